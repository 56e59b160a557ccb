import type { Asset, AssetType } from '../api/types'

export const cncType: AssetType = {
  id: 10,
  key: 'cnc',
  name: 'CNC machine',
  builtin: false,
  version: 3,
  asset_count: 1,
  created_at: '2026-11-01T08:00:00Z',
  updated_at: '2026-11-01T08:00:00Z',
  fields: [
    { id: 2, key: 'controller', label: 'Controller', kind: 'select', required: false, unique: false, choices: ['Fanuc', 'Sinumerik'], position: 2 },
    { id: 1, key: 'rpm', label: 'Spindle rpm', kind: 'integer', required: true, unique: false, choices: [], min: 100, max: 30000, position: 1 },
    { id: 3, key: 'coolant', label: 'Coolant', kind: 'boolean', required: false, unique: false, choices: [], position: 3 },
  ],
}

export const computerType: AssetType = {
  id: 2,
  key: 'computer',
  name: 'Computer',
  builtin: true,
  version: 1,
  asset_count: 0,
  created_at: '2026-11-01T08:00:00Z',
  updated_at: '2026-11-01T08:00:00Z',
  fields: [{ id: 9, key: 'os', label: 'Operating system', kind: 'text', required: false, unique: false, choices: [], position: 1 }],
}

export const sampleAsset: Asset = {
  id: 42,
  tag: 'CNC-0042',
  name: 'DMU 50',
  type: 'cnc',
  type_id: 10,
  type_name: 'CNC machine',
  status: 'in_service',
  location_id: 5,
  location_path: 'Plant 1 / Hall B',
  manufacturer: 'DMG Mori',
  ip: '10.0.0.42',
  custom_fields: { rpm: 12000, controller: 'Sinumerik' },
  version: 4,
  created_at: '2026-11-02T08:00:00Z',
  created_by: 'admin',
  updated_at: '2026-11-03T08:00:00Z',
  updated_by: 'jdoe',
}

/** `GET /api/v1/plugins` with the labels plugin's manifest (as the server declares it). */
export const labelsPlugins = {
  items: [
    {
      id: 'labels',
      version: '1.0.0',
      description: 'QR asset labels',
      ui: {
        menu: [
          { id: 'labels.queue', label: 'Label queue', route: '/plugins/labels/queue', icon: 'qr_code_2', min_role: 'viewer' },
          { id: 'labels.templates', label: 'Label templates', route: '/plugins/labels/templates', icon: 'label', min_role: 'admin' },
        ],
        routes: [
          { path: '/plugins/labels/queue', component: 'labels/QueuePage', title: 'Labels to print', min_role: 'viewer' },
          { path: '/plugins/labels/templates', component: 'labels/TemplatesPage', title: 'Label templates', min_role: 'admin' },
        ],
        asset_panels: [
          { id: 'labels.label', title: 'Label', component: 'labels/AssetLabelPanel', order: 50, min_role: 'viewer' },
          { id: 'future.thing', title: 'Future', component: 'future/Unknown', order: 60, min_role: 'viewer' },
        ],
        dashboard_widgets: [{ id: 'labels.to_print', title: 'Labels to print', component: 'labels/QueueWidget', order: 50, size: 'small', min_role: 'viewer' }],
        asset_bulk_actions: [{ id: 'labels.print', label: 'Print labels', component: 'labels/PrintLabelsDialog', min_role: 'viewer' }],
      },
    },
  ],
}

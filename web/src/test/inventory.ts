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

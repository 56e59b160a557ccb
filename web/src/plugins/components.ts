import type { Component } from 'vue'

/**
 * The plugin components this UI ships, by the names plugin manifests use. Each is its own lazy
 * chunk: a site without the plugin never downloads it.
 *
 * Contracts: asset panels get `asset` (the Asset); bulk actions get `assets` (id, tag) and emit
 * `close`; pages and dashboard widgets get no props.
 */
export const pluginComponents: Record<string, () => Promise<Component>> = {
  'labels/AssetLabelPanel': () => import('./labels/AssetLabelPanel.vue'),
  'labels/PrintLabelsDialog': () => import('./labels/PrintLabelsDialog.vue'),
  'labels/QueuePage': () => import('./labels/QueuePage.vue'),
  'labels/QueueWidget': () => import('./labels/QueueWidget.vue'),
  'labels/TemplatesPage': () => import('./labels/TemplatesPage.vue'),
}

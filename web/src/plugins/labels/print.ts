import { api } from '../../api/client'

export type SheetQuery = { ids?: string; queued?: boolean; template?: string; skip?: number }
export type LabelTemplate = Awaited<ReturnType<typeof loadTemplates>>[number]

export async function loadTemplates(signal?: AbortSignal) {
  return (await api.get('/api/v1/plugins/labels/templates', { signal })).items
}

/**
 * Prints a label sheet: the plugin renders print-ready HTML (labels as inline SVG, sizes in mm,
 * `@page` set); it is fetched with the session's token, put in a hidden frame and printed with
 * the browser's dialog. Resolves with the frame (tests and the e2e run read it) once the dialog
 * was opened; the frame stays until the next print.
 */
export async function printSheet(query: SheetQuery): Promise<HTMLIFrameElement> {
  const { blob } = await api.getBlob('/api/v1/plugins/labels/sheet', { query })
  const html = await blob.text()
  document.getElementById('label-print-frame')?.remove()
  const frame = document.createElement('iframe')
  frame.id = 'label-print-frame'
  frame.title = 'Label sheet for printing'
  frame.setAttribute('aria-hidden', 'true')
  frame.tabIndex = -1
  frame.style.cssText = 'position:fixed;right:0;bottom:0;width:0;height:0;border:0;visibility:hidden'
  const loaded = new Promise<void>((resolve) => frame.addEventListener('load', () => resolve(), { once: true }))
  frame.srcdoc = html
  document.body.append(frame)
  await loaded
  frame.contentWindow?.focus()
  frame.contentWindow?.print()
  return frame
}

/** Records that these assets' labels were printed (takes them out of the print queue). */
export async function markPrinted(assetIds: number[], template?: string) {
  return api.post('/api/v1/plugins/labels/printed', { asset_ids: assetIds, template })
}

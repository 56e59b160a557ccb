import { describe, expect, it } from 'vitest'
import { computerType, cncType, sampleAsset } from '../test/inventory'
import { createBody, customValue, defaultCustom, emptyForm, formFromAsset, isNoop, patchBody, sortedFields } from './assetForm'

describe('asset form', () => {
  it('types custom values by field kind, and sends unparsable numbers as typed for the server to explain', () => {
    expect(customValue('integer', ' 12000 ')).toBe(12000)
    expect(customValue('decimal', '2,5')).toBe(2.5)
    expect(customValue('integer', 'fast')).toBe('fast')
    expect(customValue('boolean', 'true')).toBe(true)
    expect(customValue('boolean', 'false')).toBe(false)
    expect(customValue('date', '2026-03-01')).toBe('2026-03-01')
    expect(customValue('text', '   ')).toBeNull()
  })

  it('orders fields by position', () => {
    expect(sortedFields(cncType).map((f) => f.key)).toEqual(['rpm', 'controller', 'coolant'])
  })

  it('creates with every filled value and nothing empty', () => {
    const form = { ...emptyForm('cnc'), tag: ' cnc-1 ', name: 'Mill', location_id: '5' }
    form.standard.ip = '10.0.0.1'
    form.custom = { rpm: '9000', controller: '', coolant: 'false' }
    expect(createBody(form, cncType, 42)).toEqual({
      tag: 'cnc-1',
      name: 'Mill',
      type: 'cnc',
      status: 'in_service',
      location_id: 5,
      parent_id: 42,
      ip: '10.0.0.1',
      custom_fields: { rpm: 9000, coolant: false },
    })
  })

  it('edits send only what changed, clear emptied values with null, and carry the version', () => {
    const initial = formFromAsset(sampleAsset)
    const form = structuredClone(initial)
    form.name = 'DMU 50 eVo'
    form.standard.ip = ''
    form.location_id = ''
    form.custom.rpm = '15000'
    form.custom.controller = ''
    expect(patchBody(initial, form, cncType, cncType, 4, undefined)).toEqual({
      version: 4,
      name: 'DMU 50 eVo',
      location_id: null,
      ip: null,
      custom_fields: { rpm: 15000, controller: null },
    })
  })

  it('an edit that changes nothing is a no-op', () => {
    const initial = formFromAsset(sampleAsset)
    const body = patchBody(initial, structuredClone(initial), cncType, cncType, 4, undefined)
    expect(body).toEqual({ version: 4 })
    expect(isNoop(body)).toBe(true)
  })

  it('a type change sends the new type, its fields, and clears the old type’s values', () => {
    const initial = formFromAsset(sampleAsset)
    const form = structuredClone(initial)
    form.type = 'computer'
    form.custom = { os: 'Windows 10 IoT' }
    expect(patchBody(initial, form, cncType, computerType, 4, undefined)).toEqual({
      version: 4,
      type: 'computer',
      custom_fields: { rpm: null, controller: null, os: 'Windows 10 IoT' },
    })
  })

  it('starts a new asset with the type’s defaults', () => {
    const t = { ...cncType, fields: cncType.fields.map((f) => (f.key === 'coolant' ? { ...f, default: true } : f)) }
    expect(defaultCustom(t)).toEqual({ rpm: '', controller: '', coolant: 'true' })
  })
})

import type { Role, UserSource } from './store'

// Exhaustive over the spec's enums: a new role or source in the API fails the typecheck here.
export const roleLabels: Record<Role, string> = {
  viewer: 'Viewer',
  editor: 'Editor',
  admin: 'Administrator',
}

export const sourceLabels: Record<UserSource, string> = {
  local: 'Local account',
  ldap: 'Company directory (LDAP)',
}

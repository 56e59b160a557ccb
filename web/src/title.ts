export const PRODUCT_NAME = 'ShopDB'

/** Document title: "<site name> · ShopDB", or just "ShopDB" before the site is known. */
export function pageTitle(siteName?: string | null): string {
  const name = siteName?.trim()
  return name ? `${name} · ${PRODUCT_NAME}` : PRODUCT_NAME
}

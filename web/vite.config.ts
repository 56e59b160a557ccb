import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The Rust binary serves the API on 127.0.0.1:8080 by default; in `npm run dev`
// every backend route is proxied there so the UI talks to a real server.
const backend = 'http://127.0.0.1:8080'

export default defineConfig({
  // Served from the root of the ShopDB binary; hashed files go to dist/assets/.
  base: '/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target: backend },
      '/healthz': { target: backend },
      '/readyz': { target: backend },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
})

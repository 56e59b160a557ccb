import { createApp } from 'vue'
import App from './App.vue'
import { createAuthStore } from './auth/store'
import { createMetaStore } from './composables/meta'
import { createPluginStore } from './plugins/store'
import { createAppRouter } from './router'
import './styles.css'

const auth = createAuthStore()
createApp(App).use(auth).use(createAppRouter(auth)).use(createMetaStore()).use(createPluginStore()).mount('#app')

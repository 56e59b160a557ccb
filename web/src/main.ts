import { createApp } from 'vue'
import App from './App.vue'
import { createMetaStore } from './composables/meta'
import { createAppRouter } from './router'
import './styles.css'

createApp(App).use(createAppRouter()).use(createMetaStore()).mount('#app')

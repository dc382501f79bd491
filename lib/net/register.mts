// The ESM entry of the preload: `node --import tokio-net/register app.mjs`.
import './register.js'

// Start GOV.UK Frontend's components (error summaries take focus, buttons debounce...).
import { initAll } from './govuk/govuk-frontend.min.js'

initAll()

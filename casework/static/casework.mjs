// Start GOV.UK Frontend's components (error summaries take focus, buttons debounce...).
import { initAll } from './govuk/govuk-frontend.min.js'

initAll()

// Typing is activity, but the server sees none of it until the form is posted: while someone
// types, tell it at most once a minute, so that an answer written over more than the 30-minute
// idle time-out is not lost at sign-in. Someone who stops is still signed out 30 minutes after
// their last request. `redirect: 'manual'`: after a time-out, the sign-in page (and its banner
// saying why) is for the person's next real request, not for this one.
const keepAlive = document.querySelector('meta[name="casework-keep-alive"]')
const KEEP_ALIVE_EVERY_MS = 60 * 1000
let toldAt = Date.now()
let signedIn = Boolean(keepAlive)

document.addEventListener('input', (event) => {
  const form = event.target.form
  const token = form && form.querySelector('input[name="csrf_token"]')
  if (!signedIn || !token || Date.now() - toldAt < KEEP_ALIVE_EVERY_MS) {
    return
  }
  toldAt = Date.now()
  fetch(keepAlive.content, {
    method: 'POST',
    headers: { 'X-CSRFToken': token.value },
    credentials: 'same-origin',
    redirect: 'manual'
  }).then((response) => {
    // Anything but "no content": signed out (timed out, or elsewhere). Stop asking.
    signedIn = response.status === 204
  }).catch(() => {}) // offline: the form's own post will say so
})

// The application: settles access (sign-in with an API key),
// then wires the uploader, the gallery, the filters, the detail view, the
// #/images/{id} route and the live event stream together.

import * as api from './api.js';
import { connectEvents } from './sse.js';
import { createUploader } from './upload.js';
import { createGallery } from './gallery.js';
import { createDetail } from './detail.js';
import { createClassifiers } from './classifiers.js';
import { el, announce } from './dom.js';

const $ = (id) => document.getElementById(id);

// A request every key that can use this page may make (images:read): it
// checks a key before the page opens.
const PROBE_PATH = '/v1/images?limit=1';
const IMAGE_ROUTE = /^#\/images\/([^/?#]+)$/;
const CLASSIFIERS_ROUTE = /^#\/classifiers(?:\/([^/?#]+))?$/;
const LIVE_WORDS = { connecting: 'connecting…', live: 'live', retrying: 'reconnecting…', stopped: 'not live', off: 'offline' };

let access = null;   // 'key' once inside, null while signed out
let events = null;   // the event stream connection

// ---- the parts of the page ----

const gallery = createGallery({ grid: $('gallery'), sentinel: $('sentinel'), summary: $('gallery-summary') });

const detail = createDetail({
  dialog: $('detail'),
  title: $('detail-title'),
  subtitle: $('detail-subtitle'),
  status: $('detail-status'),
  closeButton: $('detail-close'),
  stage: $('detail-stage'),
  image: $('detail-image'),
  boxes: $('detail-boxes'),
  boxSummary: $('detail-box-summary'),
  showObjects: $('show-objects'),
  showFaces: $('show-faces'),
  info: $('detail-info'),
  message: $('detail-message'),
  deleteButton: $('detail-delete'),
  confirmBar: $('delete-confirm'),
  confirmYes: $('delete-yes'),
  confirmNo: $('delete-no'),
}, {
  cachedDoc: (id) => gallery.get(id),
  onClosed: () => {
    // Leave the image route without adding a history entry.
    if (IMAGE_ROUTE.test(location.hash)) history.replaceState(null, '', '#/');
  },
  onDeleted: (id) => {
    const next = gallery.remove(id);
    announce('Image deleted.');
    scheduleLabelRefresh();
    // The dialog would give the focus back to the removed card: pick a neighbour.
    setTimeout(() => (next || $('gallery')).focus(), 0);
  },
});

const uploader = createUploader({
  dropZone: $('drop-zone'),
  fileInput: $('file-input'),
  chooseButton: $('choose-files'),
  panel: $('uploads'),
  list: $('upload-list'),
  overallBar: $('overall-progress'),
  overallText: $('overall-text'),
  clearButton: $('clear-uploads'),
}, {
  onUploaded: (receipt) => gallery.addUpload(receipt),
  onUnauthorized: () => keyRefused(),
});

const classifiers = createClassifiers({ root: $('classifiers') });

// ---- which screen shows ----

function show(screen) {
  for (const id of ['booting', 'offline', 'signin', 'app']) $(id).hidden = id !== screen;
}

/** Shows `text` under the sign-in form; `kind` 'error' shows it as a problem. */
function setSignInMessage(text, kind = 'info') {
  const message = $('signin-message');
  message.textContent = text;
  message.dataset.kind = kind;
}

function showSignIn(message = '', kind = 'error') {
  show('signin');
  setSignInMessage(message, kind);
  $('signin-key').focus();
}

function showOffline(error) {
  show('offline');
  $('offline-message').textContent = api.describeError(error, 'list images');
}

// ---- access ----

/**
 * Finds out whether the key saved in this tab works: 'key', or 'signin' with
 * a message. Throws an ApiError when the server cannot be reached or fails.
 */
async function probeAccess() {
  const saved = api.getKey();
  if (!saved) return { mode: 'signin' };
  try {
    await api.apiFetch(PROBE_PATH, { key: saved });
    return { mode: 'key' };
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) throw error;
    api.clearKey();
    return { mode: 'signin', message: api.describeError(error, 'list images') };
  }
}

async function start() {
  show('booting');
  let result;
  try {
    result = await probeAccess();
  } catch (error) {
    showOffline(error);
    return;
  }
  if (result.mode === 'signin') showSignIn(result.message);
  else enterApp();
}

async function signIn(event) {
  event.preventDefault();
  const input = $('signin-key');
  const key = input.value.trim();
  if (!key) {
    setSignInMessage('Enter an API key.', 'error');
    input.focus();
    return;
  }
  $('signin-submit').disabled = true;
  setSignInMessage('Checking the key…');
  try {
    await api.apiFetch(PROBE_PATH, { key });
    api.setKey(key);
    input.value = '';
    setSignInMessage('');
    enterApp();
  } catch (error) {
    setSignInMessage(api.describeError(error, 'list images'), 'error');
    input.select();
  } finally {
    $('signin-submit').disabled = false;
  }
}

function enterApp() {
  access = 'key';
  show('app');
  $('sign-out').hidden = false;
  $('live').hidden = false;
  $('views').hidden = false;
  startEvents();
  refreshLabels();
  route();
}

/**
 * Leaves the app: forgets the key, stops everything, shows the sign-in form
 * with `message` (an error unless it is the plain sign-out).
 */
function signOut(message = 'Signed out.', kind = 'info') {
  if (!access) return;
  access = null;
  api.clearKey();
  events?.close();
  events = null;
  setPolling(false);
  detail.close();
  uploader.reset();
  gallery.clear();
  classifiers.hide();
  $('sign-out').hidden = true;
  $('live').hidden = true;
  $('views').hidden = true;
  if (IMAGE_ROUTE.test(location.hash) || CLASSIFIERS_ROUTE.test(location.hash)) {
    history.replaceState(null, '', '#/');
  }
  showSignIn(message, kind);
}

/** A request with the key got 401: the key was revoked or the server changed. */
function keyRefused() {
  signOut('Key not accepted any more — sign in again.', 'error');
}

api.onUnauthorized(keyRefused);

// ---- live events ----

function setLive(state) {
  $('live').dataset.state = state;
  $('live-text').textContent = LIVE_WORDS[state] || state;
}

function startEvents() {
  let galleryLoaded = false;
  events = connectEvents({
    onOpen: ({ resumed }) => {
      // Loading the gallery after the stream is up means no change can fall
      // between the list and the stream. A reconnect that could not resume
      // may have missed changes: load again.
      if (!galleryLoaded || !resumed) gallery.reload(readFilters());
      galleryLoaded = true;
    },
    onState: (state) => {
      setLive(state);
      setPolling(state !== 'live' && state !== 'connecting');
      // Without a stream the gallery still loads; it just is not live.
      if (state === 'retrying' && !galleryLoaded) {
        galleryLoaded = true;
        gallery.reload(readFilters());
      }
    },
    onEvent: (event) => {
      if (event.type === 'reset') {
        // Too much was missed to replay: start over.
        gallery.reload(readFilters());
        refreshLabels();
      } else if (event.type === 'image') {
        try {
          queueChange(JSON.parse(event.data));
        } catch {
          // A malformed event: ignore it, the next one will do.
        }
      }
    },
    onAuthError: (error) => {
      if (error.status === 401) keyRefused();
      else setLive('stopped');
    },
  });
}

// While the stream is down, unfinished cards are looked at every few seconds
// instead (each look costs a 304 while nothing changed), so they still move.
const POLL_MS = 4000;
let pollTimer = null;

function setPolling(on) {
  if (on && !pollTimer) {
    pollTimer = setInterval(() => {
      for (const doc of gallery.unfinished()) queueChange({ id: doc.id, status: 'refresh' });
    }, POLL_MS);
  } else if (!on && pollTimer) {
    clearInterval(pollTimer);
    pollTimer = null;
  }
}

// Changes to one image are applied in order; different images in parallel.
const changeChains = new Map();

function queueChange(change) {
  if (!change?.id) return;
  const previous = changeChains.get(change.id) || Promise.resolve();
  const next = previous.then(() => applyChange(change)).catch(() => {});
  changeChains.set(change.id, next);
  next.then(() => {
    if (changeChains.get(change.id) === next) changeChains.delete(change.id);
  });
}

/**
 * Brings the card (and the open detail view) up to date with one change
 * {id, status}; status 'refresh' (from polling) just fetches the document.
 */
async function applyChange({ id, status }) {
  if (status === 'deleted') {
    gallery.remove(id);
    if (detail.showingId() === id) detail.close();
    scheduleLabelRefresh();
    return;
  }
  const known = gallery.get(id);
  if (known && (status === 'pending' || status === 'processing')) {
    const doc = { ...known, status };
    gallery.upsert(doc);
    detail.update(doc);
    return;
  }
  // done/failed (or an image this page has not seen): fetch the document.
  let doc;
  try {
    doc = await api.getImage(id);
  } catch (error) {
    if (error.status === 404) gallery.remove(id);
    return;
  }
  gallery.upsert(doc);
  detail.update(doc);
  if (doc.status === 'done') scheduleLabelRefresh();
}

// ---- filters and labels ----

function readFilters() {
  const form = $('filters');
  return { status: form.status.value, tag: form.tag.value, category: form.category.value };
}

/** Fills a <select> with {name, count} options, keeping the current choice. */
function fillSelect(select, items) {
  const current = select.value;
  const options = [el('option', { value: '', text: 'any' })];
  for (const item of items) options.push(el('option', { value: item.name, text: `${item.name} (${item.count})` }));
  if (current && !items.some((item) => item.name === current)) options.push(el('option', { value: current, text: `${current} (0)` }));
  select.replaceChildren(...options);
  select.value = current;
}

async function refreshLabels() {
  try {
    const labels = await api.getLabels();
    fillSelect($('filter-tag'), labels.tags || []);
    fillSelect($('filter-category'), labels.categories || []);
  } catch {
    // The filters keep their old lists; the gallery shows any real error.
  }
}

// New analyses bring new tags: refresh the lists at most every 2 seconds.
let labelTimer = null;
function scheduleLabelRefresh() {
  if (labelTimer) return;
  labelTimer = setTimeout(() => {
    labelTimer = null;
    if (access) refreshLabels();
  }, 2000);
}

$('filters').addEventListener('change', () => gallery.reload(readFilters()));
$('filters').addEventListener('reset', () => {
  // The form resets its fields after this event: reload once it has.
  setTimeout(() => gallery.reload(readFilters()), 0);
});
$('filters').addEventListener('submit', (event) => event.preventDefault());

// ---- routing: #/images/{id} opens the detail view; #/classifiers[/{id}]
// shows the Classifiers view instead of the images ----

function route() {
  const custom = CLASSIFIERS_ROUTE.exec(location.hash);
  $('images-view').hidden = Boolean(custom);
  $('classifiers').hidden = !custom;
  $('nav-images').toggleAttribute('aria-current', !custom);
  $('nav-classifiers').toggleAttribute('aria-current', Boolean(custom));
  if (custom && access) classifiers.show(custom[1] ? decodeURIComponent(custom[1]) : null);
  else classifiers.hide();
  const match = IMAGE_ROUTE.exec(location.hash);
  if (match && access) detail.open(decodeURIComponent(match[1]));
  else detail.close();
}

window.addEventListener('hashchange', route);

// ---- the rest of the wiring ----

$('signin-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', () => signOut());
$('offline-retry').addEventListener('click', start);

start();

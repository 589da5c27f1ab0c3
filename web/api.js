// The /v1 HTTP API: the API key, fetch() with the Authorization header, and
// errors in words. Every other module talks to the server through here (the
// event stream and the uploads use authHeaders() with their own transport).

const KEY_STORAGE = 'ocula.apiKey';

// ---- The API key -----------------------------------------------------------
// Kept in sessionStorage: it survives a reload but not closing the tab.

export function getKey() {
  return sessionStorage.getItem(KEY_STORAGE) || '';
}

export function setKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** The Authorization header for `key` (default: the stored key); {} without a key. */
export function authHeaders(key = getKey()) {
  return key ? { Authorization: `Bearer ${key}` } : {};
}

// ---- Errors ----------------------------------------------------------------

/**
 * A failed request. `status` is the HTTP status (0 when the server could not
 * be reached); `code` and `message` come from the error envelope
 * {"error":{"code","message"}} when the server sent one.
 */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || (status ? `HTTP ${status}` : 'cannot reach the server'));
    this.name = 'ApiError';
    this.status = status;
    this.code = code || '';
  }
}

/** Builds an ApiError from a status and a response body (which may not be JSON). */
export function errorFromBody(status, bodyText) {
  let code = '';
  let message = '';
  try {
    const envelope = JSON.parse(bodyText);
    code = envelope?.error?.code || '';
    message = envelope?.error?.message || '';
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): keep the status only.
  }
  return new ApiError(status, code, message);
}

/** Reads a failed fetch() Response into an ApiError. Never throws. */
export async function errorFromResponse(response) {
  const text = await response.text().catch(() => '');
  return errorFromBody(response.status, text);
}

/**
 * The error in words for people. `action` completes "this key lacks the
 * scope to …" for 403 answers, e.g. "delete images".
 */
export function describeError(error, action = 'do that') {
  if (!(error instanceof ApiError)) return 'Cannot reach the server — check the connection and try again.';
  if (error.status === 0) return 'Cannot reach the server — check the connection and try again.';
  if (error.status === 401) return 'Key not accepted — check the API key and sign in again.';
  if (error.status === 403) {
    return `This key lacks the scope to ${action}.` + (error.message ? ` (${error.message})` : '');
  }
  if (error.status === 404) return 'Not found — it may have been deleted.';
  if (error.status === 503) return 'The server is busy — try again in a moment.';
  return error.message;
}

// ---- Requests --------------------------------------------------------------

let unauthorizedHandler = null;

/**
 * Registers what to do when a request made with the stored key gets 401
 * (the key was revoked or changed on the server): the app signs out.
 */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * fetch() for a same-origin API path. Adds the stored key (or `options.key`
 * when given: '' sends none, used to probe whether the server is open).
 * Resolves with the Response for 2xx and 304; rejects with an ApiError for
 * every other status or a network failure.
 */
export async function apiFetch(path, options = {}) {
  const { key, headers = {}, ...init } = options;
  const probing = key !== undefined;
  let response;
  try {
    response = await fetch(path, { ...init, headers: { ...authHeaders(probing ? key : getKey()), ...headers } });
  } catch (cause) {
    if (cause?.name === 'AbortError') throw cause;
    throw new ApiError(0, '', '');
  }
  if (response.ok || response.status === 304) return response;
  const error = await errorFromResponse(response);
  if (error.status === 401 && !probing && unauthorizedHandler) unauthorizedHandler(error);
  throw error;
}

/** GET `path` and parse the JSON body. */
export async function getJson(path, options = {}) {
  const response = await apiFetch(path, options);
  return response.json();
}

/** A query string from the non-empty entries of `params`, e.g. "?status=done&limit=30". */
function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * One page of images, newest first: {images: [document…], nextCursor: string|null}.
 * `filters` may hold status, tag, category; `cursor` is the previous page's nextCursor.
 */
export function listImages({ status, tag, category, limit = 30, cursor, signal } = {}) {
  return getJson(`/v1/images${query({ status, tag, category, limit, cursor })}`, { signal });
}

/** Tags and categories in use: {tags: [{name, count}…], categories: [{name, count}…]}. */
export function getLabels() {
  return getJson('/v1/labels');
}

// Documents fetched before, by id, with their ETag, so that asking again
// costs a 304 when nothing changed.
const documentCache = new Map();

/** The image document `id` (see docs/api.md). */
export async function getImage(id) {
  const path = `/v1/images/${encodeURIComponent(id)}`;
  const cached = documentCache.get(id);
  const headers = cached ? { 'If-None-Match': cached.etag } : {};
  // no-store: we do the revalidation ourselves, so the 304 reaches us.
  const response = await apiFetch(path, { headers, cache: 'no-store' });
  if (response.status === 304 && cached) return cached.doc;
  const doc = await response.json();
  const etag = response.headers.get('ETag');
  if (etag) documentCache.set(id, { etag, doc });
  return doc;
}

/** Deletes image `id` (204). */
export async function deleteImage(id) {
  await apiFetch(`/v1/images/${encodeURIComponent(id)}`, { method: 'DELETE' });
  documentCache.delete(id);
}

/**
 * Fetches an image resource (content or thumbnail, which need the
 * Authorization header, so a plain <img src> cannot load them) and returns an
 * object URL for it. The caller must URL.revokeObjectURL() it when done.
 */
export async function fetchObjectUrl(path, { signal } = {}) {
  const response = await apiFetch(path, { signal });
  const blob = await response.blob();
  return URL.createObjectURL(blob);
}

export function thumbnailPath(id, size = 256) {
  return `/v1/images/${encodeURIComponent(id)}/thumbnail?size=${size}`;
}

export function contentPath(id) {
  return `/v1/images/${encodeURIComponent(id)}/content`;
}

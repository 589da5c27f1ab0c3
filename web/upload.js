// Uploads: a drop zone and a file picker feed a queue; each file is sent as
// its own POST /v1/images (raw body) with XMLHttpRequest, because fetch()
// cannot report upload progress. At most MAX_CONCURRENT run at once. Each
// file has a row with a progress bar and, on failure, the reason in words;
// an overall bar covers the current batch.

import { authHeaders, errorFromBody, describeError } from './api.js';
import { el, formatBytes, announce } from './dom.js';

const MAX_CONCURRENT = 3;

/** `name` percent-encoded for a `filename*=UTF-8''…` parameter (RFC 8187). */
function encodeRfc8187(name) {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The reason an upload failed, in words, from the HTTP status and the
 * server's error envelope (an ApiError).
 */
export function uploadErrorText(error) {
  switch (error.code) {
    case 'PayloadTooLarge': {
      // The server says e.g. "… the limit is 20971520 bytes".
      const limit = /(\d+) bytes\s*$/.exec(error.message);
      return limit ? `too large (max ${formatBytes(Number(limit[1]))})` : 'too large';
    }
    case 'UnsupportedMediaType':
    case 'InvalidImageFormat':
      return 'not an image';
    case 'InvalidImageSize':
      return error.message || 'image too small or too large';
    case 'InsufficientStorage':
      return 'the server is out of storage space';
    default:
      break;
  }
  if (error.status === 413) return 'too large';
  if (error.status === 415) return 'not an image';
  if (error.status === 0) return 'upload failed: the connection was lost';
  return describeError(error, 'upload images');
}

/**
 * Sends one file. Resolves with {ok: true, receipt} or {ok: false, error}
 * (an ApiError); never rejects. `onProgress(bytesSent)` follows the body.
 * `item.abort` is set so the upload can be cancelled.
 */
function send(item, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/images');
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('Content-Type', item.file.type || 'application/octet-stream');
    // The server stores the name (RFC 8187 encoding keeps any character).
    xhr.setRequestHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeRfc8187(item.file.name)}`);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      if (xhr.status === 202 || xhr.status === 201 || xhr.status === 200) {
        try {
          resolve({ ok: true, receipt: JSON.parse(xhr.responseText) });
        } catch {
          resolve({ ok: false, error: errorFromBody(xhr.status, '') });
        }
      } else {
        resolve({ ok: false, error: errorFromBody(xhr.status, xhr.responseText) });
      }
    };
    xhr.onerror = () => resolve({ ok: false, error: errorFromBody(0, '') });
    xhr.onabort = () => resolve({ ok: false, cancelled: true });
    item.abort = () => xhr.abort();
    xhr.send(item.file);
  });
}

/**
 * Wires the upload panel. `elements`: dropZone, fileInput, chooseButton,
 * panel (shown once there are uploads), list (<ul>), overallBar (<progress>),
 * overallText, clearButton.
 * `onUploaded(receipt, file)` is called for each accepted file (status 202).
 * `onUnauthorized(error)` is called when an upload gets 401.
 * Returns {addFiles(files), reset()}.
 */
export function createUploader(elements, { onUploaded, onUnauthorized }) {
  const { dropZone, fileInput, chooseButton, panel, list, overallBar, overallText, clearButton } = elements;
  const queue = [];     // items waiting for a free slot
  let active = 0;       // uploads in flight
  let batch = [];       // the items the overall bar covers

  // ---- rows ----

  function makeRow(item) {
    item.bar = el('progress', { max: item.file.size || 1, value: 0, 'aria-label': `Upload of ${item.file.name}` });
    item.statusText = el('span', { class: 'upload-state', text: 'waiting' });
    item.cancel = el('button', {
      type: 'button', class: 'icon-button', 'aria-label': `Cancel upload of ${item.file.name}`, title: 'Cancel',
      text: '×', on: { click: () => cancel(item) },
    });
    item.row = el('li', { class: 'upload-row', dataset: { state: 'waiting', name: item.file.name } },
      el('span', { class: 'upload-name', text: item.file.name, title: item.file.name }),
      el('span', { class: 'upload-size', text: formatBytes(item.file.size) }),
      item.bar, item.statusText, item.cancel);
    return item.row;
  }

  function setState(item, state, text) {
    item.state = state;
    item.row.dataset.state = state;
    item.statusText.textContent = text;
    if (state !== 'waiting' && state !== 'uploading') item.cancel.hidden = true;
  }

  // ---- the overall bar ----

  function finished(item) {
    return item.state === 'done' || item.state === 'error' || item.state === 'cancelled';
  }

  function updateOverall() {
    // Bytes of the files that were or are being sent; refused ones drop out.
    const counted = batch.filter((item) => item.state !== 'error' && item.state !== 'cancelled');
    const total = counted.reduce((sum, item) => sum + item.file.size, 0) || 1;
    const sent = counted.reduce((sum, item) => sum + (item.state === 'done' ? item.file.size : item.sent), 0);
    overallBar.max = total;
    overallBar.value = sent;
    const done = batch.filter((item) => item.state === 'done').length;
    const failed = batch.filter((item) => item.state === 'error').length;
    const remaining = batch.filter((item) => !finished(item)).length;
    let text = `${done} of ${batch.length} uploaded`;
    if (failed) text += `, ${failed} failed`;
    text += remaining ? ` — ${Math.round((sent / total) * 100)}%` : '';
    overallText.textContent = text;
    clearButton.hidden = remaining > 0;
    if (!remaining && batch.length) announce(text);
  }

  // ---- the queue ----

  function addFiles(fileList) {
    const files = [...fileList];
    if (!files.length) return;
    // A new batch starts when the previous one has finished.
    if (batch.every(finished)) batch = [];
    panel.hidden = false;
    for (const file of files) {
      const item = { file, sent: 0, state: 'waiting' };
      list.append(makeRow(item));
      batch.push(item);
      queue.push(item);
    }
    announce(`${files.length} file${files.length === 1 ? '' : 's'} queued for upload`);
    updateOverall();
    pump();
  }

  function pump() {
    while (active < MAX_CONCURRENT && queue.length) start(queue.shift());
  }

  async function start(item) {
    active++;
    setState(item, 'uploading', 'uploading…');
    const result = await send(item, (sent) => {
      item.sent = sent;
      item.bar.value = sent;
      updateOverall();
    });
    active--;
    if (result.ok) {
      item.bar.value = item.bar.max;
      setState(item, 'done', 'uploaded');
      item.statusText.replaceChildren(
        el('a', { href: `#/images/${encodeURIComponent(result.receipt.id)}`, text: 'uploaded — view' }));
      onUploaded?.(result.receipt, item.file);
    } else if (result.cancelled) {
      setState(item, 'cancelled', 'cancelled');
    } else {
      setState(item, 'error', uploadErrorText(result.error));
      if (result.error.status === 401) onUnauthorized?.(result.error);
    }
    updateOverall();
    pump();
  }

  function cancel(item) {
    const waiting = queue.indexOf(item);
    if (waiting >= 0) {
      queue.splice(waiting, 1);
      setState(item, 'cancelled', 'cancelled');
      updateOverall();
    } else {
      item.abort?.();
    }
  }

  /** Cancels everything and empties the panel (used on sign-out). */
  function reset() {
    for (const item of queue.splice(0)) setState(item, 'cancelled', 'cancelled');
    for (const item of batch) item.abort?.();
    batch = [];
    list.replaceChildren();
    panel.hidden = true;
  }

  // ---- input: picker, drag and drop ----

  chooseButton.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    addFiles(fileInput.files);
    fileInput.value = '';  // choosing the same file again fires 'change' again
  });

  dropZone.addEventListener('dragenter', (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  dropZone.addEventListener('dragleave', (event) => {
    if (!dropZone.contains(event.relatedTarget)) dropZone.classList.remove('dragging');
  });
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('dragging');
    addFiles(event.dataTransfer.files);
  });
  // A file dropped beside the zone would make the browser navigate to it.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());

  // Shown only when nothing is waiting or uploading.
  clearButton.addEventListener('click', () => {
    batch = [];
    list.replaceChildren();
    panel.hidden = true;
    chooseButton.focus();
  });

  return { addFiles, reset };
}

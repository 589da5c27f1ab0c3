// The detail view: a modal <dialog> showing one image with its object and
// face boxes drawn over it, and everything the analysis found. It opens for
// the route #/images/{id}; Escape, the close button or a click on the
// backdrop closes it. It can delete the image (after a confirmation).

import { getImage, deleteImage, fetchObjectUrl, contentPath, thumbnailPath, describeError, ApiError } from './api.js';
import { el, percent, formatBytes, formatTime } from './dom.js';
import { captionOf } from './gallery.js';

const STATUS_WORDS = { pending: 'pending', processing: 'analysing', done: 'done', failed: 'failed' };
const CLIP_ART_TYPES = ['not clip art', 'ambiguous', 'normal clip art', 'good clip art'];
const LINE_DRAWING_TYPES = ['not a line drawing', 'line drawing'];

// ---- small builders ----

function section(title, ...content) {
  return el('section', { class: 'info-section' }, el('h3', { text: title }), ...content);
}

/**
 * A list of labelled confidence bars. `items` are objects; `name(item)` and
 * `value(item)` (0..1) pick what to show; `note(item)` adds muted text.
 */
function bars(items, { name, value, note = () => '' }) {
  return el('ul', { class: 'bars' }, items.map((item) => {
    const v = Math.max(0, Math.min(1, Number(value(item)) || 0));
    return el('li', {},
      el('span', { class: 'bar-name' }, name(item), note(item) ? el('small', { text: ` ${note(item)}` }) : null),
      el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span', { style: { width: `${(v * 100).toFixed(1)}%` } })),
      el('span', { class: 'bar-value', text: percent(v) }));
  }));
}

/** A two-column table of [label, value] rows (rows with an empty value are skipped). */
function table(rows) {
  return el('table', { class: 'facts' }, el('tbody', {}, rows
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([label, value]) => el('tr', {}, el('th', { scope: 'row', text: label }), el('td', {}, value)))));
}

/** A colour swatch: `css` is any CSS colour, `label` the text beside it. */
function swatch(css, label) {
  return el('span', { class: 'swatch' },
    el('span', { class: 'swatch-chip', style: { background: css }, 'aria-hidden': 'true' }), label);
}

/** A colour name from the analysis ("Black", "Grey"…) as a CSS colour. */
function cssColor(name) {
  const lower = String(name || '').toLowerCase();
  return /^[a-z]+$/.test(lower) ? lower : 'transparent';
}

/** "dog › canine › mammal" from an object's parent chain. */
function parentChain(object) {
  const names = [];
  for (let p = object.parent; p && names.length < 8; p = p.parent) names.push(p.object);
  return names.join(' › ');
}

/** The text lines of analysis.readResult (one page, or {readResults:[pages]}). */
function ocrLines(readResult) {
  if (!readResult) return null;
  const pages = Array.isArray(readResult.readResults) ? readResult.readResults : [readResult];
  return pages.flatMap((page) => (page.lines || []).map((line) => line.text));
}

// ---- the sections of the information column ----

function statusSection(doc) {
  if (doc.status === 'failed') {
    const error = doc.error || {};
    return section('Analysis failed', el('p', { class: 'error-text', text: `${error.message || 'unknown error'}${error.code ? ` (${error.code})` : ''}` }));
  }
  if (doc.status !== 'done') {
    return section('Analysis', el('p', { class: 'muted', text: doc.status === 'processing' ? 'Analysing now…' : 'Waiting for a worker…' }));
  }
  return null;
}

function captionsSection(a) {
  const captions = a.description?.captions || [];
  if (!captions.length) return null;
  return section('Caption', el('ul', { class: 'plain' }, captions.map((c) =>
    el('li', {}, el('q', { text: c.text }), el('small', { class: 'muted', text: ` ${percent(c.confidence)}` })))));
}

function tagsSection(a) {
  const tags = a.tags || [];
  if (!tags.length) return section('Tags', el('p', { class: 'muted', text: 'No tags.' }));
  return section('Tags', bars(tags, { name: (t) => t.name, value: (t) => t.confidence, note: (t) => t.hint || '' }));
}

function objectsSection(a) {
  const objects = a.objects || [];
  const faces = a.faces || [];
  if (!objects.length && !faces.length) return null;
  const items = objects.map((o) => el('li', {},
    el('span', { class: 'legend legend-object', 'aria-hidden': 'true' }),
    `${o.object} ${percent(o.confidence)}`,
    parentChain(o) ? el('small', { class: 'muted', text: ` (${parentChain(o)})` }) : null));
  for (const [i, f] of faces.entries()) {
    const r = f.faceRectangle || {};
    items.push(el('li', {}, el('span', { class: 'legend legend-face', 'aria-hidden': 'true' }),
      `face ${i + 1}`, el('small', { class: 'muted', text: ` at ${r.left}, ${r.top}, ${r.width}×${r.height} px` })));
  }
  return section('Objects and faces', el('ul', { class: 'plain objects' }, items));
}

function categoriesSection(a) {
  const categories = a.categories || [];
  if (!categories.length) return null;
  return section('Categories', bars(categories, { name: (c) => c.name, value: (c) => c.score }));
}

function colorSection(a) {
  const c = a.color;
  if (!c) return null;
  return section('Colours', table([
    ['Dominant', (c.dominantColors || []).length
      ? el('span', { class: 'swatches' }, c.dominantColors.map((name) => swatch(cssColor(name), name))) : 'none'],
    ['Foreground', c.dominantColorForeground ? swatch(cssColor(c.dominantColorForeground), c.dominantColorForeground) : ''],
    ['Background', c.dominantColorBackground ? swatch(cssColor(c.dominantColorBackground), c.dominantColorBackground) : ''],
    ['Accent', /^[0-9a-fA-F]{6}$/.test(c.accentColor || '') ? swatch(`#${c.accentColor}`, `#${c.accentColor}`) : ''],
    ['Black and white', c.isBWImg === undefined ? '' : (c.isBWImg ? 'yes' : 'no')],
  ]));
}

function imageTypeSection(a) {
  const t = a.imageType;
  if (!t) return null;
  return section('Image type', table([
    ['Clip art', CLIP_ART_TYPES[t.clipArtType] ?? String(t.clipArtType)],
    ['Line drawing', LINE_DRAWING_TYPES[t.lineDrawingType] ?? String(t.lineDrawingType)],
  ]));
}

function contentSection(a) {
  const adult = a.adult;
  if (!adult) return null;
  const scores = [
    { name: 'adult', value: adult.adultScore, flag: adult.isAdultContent },
    { name: 'racy', value: adult.racyScore, flag: adult.isRacyContent },
  ];
  if (adult.goreScore !== undefined) scores.push({ name: 'gory', value: adult.goreScore, flag: adult.isGoryContent });
  return section('Content',
    bars(scores, { name: (s) => s.name, value: (s) => s.value, note: (s) => (s.flag ? 'flagged' : '') }),
    adult.goreScore === undefined ? el('p', { class: 'muted small', text: 'Gore is not modelled.' }) : null);
}

function textSection(a) {
  const lines = ocrLines(a.readResult);
  if (!lines) return null;
  return section('Text (OCR)', lines.length
    ? el('pre', { class: 'ocr', text: lines.join('\n') })
    : el('p', { class: 'muted', text: 'No text found.' }));
}

function classesSection(a) {
  const classes = a.classes || [];
  if (!classes.length) return null;
  return section('Classifier', bars(classes, { name: (c) => c.name, value: (c) => c.confidence, note: (c) => c.wnid || '' }));
}

function detailsSection(doc) {
  const m = doc.metadata || {};
  const a = doc.analysis || {};
  const exif = Object.entries(m.exif || {});
  return section('Details',
    table([
      ['Dimensions', m.width && m.height ? `${m.width} × ${m.height} px` : ''],
      ['Format', m.format],
      ['Type', m.contentType || doc.contentType],
      ['Size', doc.size !== undefined ? formatBytes(doc.size) : ''],
      ['Uploaded', formatTime(doc.createdAt)],
      ['Updated', formatTime(doc.updatedAt)],
      ['Id', el('code', { text: doc.id })],
      ['SHA-256', doc.sha256 ? el('code', { class: 'wrap', text: doc.sha256 }) : ''],
      ['Features', a.features],
      ['Models', a.modelVersion],
      ['Pipeline', doc.pipelineVersion],
    ]),
    exif.length ? el('details', { class: 'exif' }, el('summary', { text: `EXIF (${exif.length})` }),
      table(exif.map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]))) : null,
    el('details', { class: 'raw' }, el('summary', { text: 'Raw JSON' }),
      el('pre', { class: 'json', text: JSON.stringify(doc, null, 2) })));
}

// ---- the dialog ----

/**
 * Wires the detail dialog. `elements` are the parts of the skeleton in
 * index.html. Callbacks:
 *   cachedDoc(id)   a document already in hand (the gallery's), or undefined
 *   onClosed()      the dialog closed (the app resets the route)
 *   onDeleted(id)   the image was deleted here
 * Returns {open(id), close(), update(doc), showingId()}.
 */
export function createDetail(elements, { cachedDoc, onClosed, onDeleted }) {
  const { dialog, title, subtitle, status, closeButton, stage, image, boxes, boxSummary, showObjects, showFaces,
    info, message, deleteButton, confirmBar, confirmYes, confirmNo } = elements;
  let currentId = null;
  let imageId = null;    // whose bytes `image` shows
  let imageUrl = null;   // object URL to revoke
  let imagePreview = false;  // showing the JPEG preview instead of the original
  let shownDoc = null;

  function setMessage(text, isError = false) {
    message.textContent = text;
    message.classList.toggle('error-text', isError);
  }

  function drawBoxes(doc) {
    const width = doc.metadata?.width;
    const height = doc.metadata?.height;
    boxes.replaceChildren();
    if (width && height) {
      stage.style.setProperty('--w', width);
      stage.style.setProperty('--h', height);
    }
    const objects = doc.analysis?.objects || [];
    const faces = doc.analysis?.faces || [];
    const parts = [];
    if (objects.length) parts.push(`${objects.length} object${objects.length === 1 ? '' : 's'}`);
    if (faces.length) parts.push(`${faces.length} face${faces.length === 1 ? '' : 's'}`);
    boxSummary.textContent = parts.length ? `Marked: ${parts.join(' and ')}.` : '';
    showObjects.parentElement.hidden = !objects.length;
    showFaces.parentElement.hidden = !faces.length;
    if (!width || !height) return;
    // Boxes are placed in percent of the image's own pixel size
    // (metadata.width × height), so they follow the displayed size.
    const box = (kind, x, y, w, h, label) => el('div', {
      class: `box box-${kind}`,
      style: {
        left: `${(x / width) * 100}%`,
        top: `${(y / height) * 100}%`,
        width: `${(w / width) * 100}%`,
        height: `${(h / height) * 100}%`,
      },
    }, el('span', { class: 'box-label', text: label }));
    for (const o of objects) {
      const r = o.rectangle || {};
      boxes.append(box('object', r.x, r.y, r.w, r.h, `${o.object} ${percent(o.confidence)}`));
    }
    for (const f of faces) {
      const r = f.faceRectangle || {};
      boxes.append(box('face', r.left, r.top, r.width, r.height, 'face'));
    }
  }

  function render(doc) {
    shownDoc = doc;
    const a = doc.analysis || {};
    const caption = captionOf(doc);
    const name = doc.filename;
    title.textContent = caption ? capitalise(caption) : name || `Image ${doc.id.slice(-8)}`;
    subtitle.textContent = caption ? name || '' : '';
    status.textContent = STATUS_WORDS[doc.status] || doc.status;
    status.dataset.status = doc.status;
    dialog.dataset.status = doc.status;
    image.alt = captionOf(doc) || 'The uploaded image';
    drawBoxes(doc);
    const analysed = doc.status === 'done';
    info.replaceChildren(...[
      statusSection(doc),
      analysed && captionsSection(a),
      analysed && tagsSection(a),
      analysed && objectsSection(a),
      analysed && categoriesSection(a),
      analysed && colorSection(a),
      analysed && imageTypeSection(a),
      analysed && contentSection(a),
      analysed && textSection(a),
      analysed && classesSection(a),
      detailsSection(doc),
    ].filter(Boolean));
  }

  /**
   * Shows the original bytes of image `id`; when the browser cannot decode
   * them (TIFF, for one), the server's largest JPEG thumbnail instead, which
   * has the same proportions, so the boxes still fit.
   */
  async function loadImage(id, { preview = false } = {}) {
    if (imageId === id && !preview) return;
    releaseImage();
    imageId = id;
    imagePreview = preview;
    try {
      const url = await fetchObjectUrl(preview ? thumbnailPath(id, 1024) : contentPath(id));
      if (imageId !== id) return URL.revokeObjectURL(url);
      imageUrl = url;
      image.src = url;
    } catch (error) {
      if (imageId === id) setMessage(`Could not load the image: ${describeError(error, 'read images')}`, true);
    }
  }

  function releaseImage() {
    if (imageUrl) URL.revokeObjectURL(imageUrl);
    imageUrl = null;
    imageId = null;
    image.removeAttribute('src');
    stage.classList.remove('loaded');
  }

  image.addEventListener('error', () => {
    if (!imageId || !image.getAttribute('src')) return;
    if (!imagePreview) loadImage(imageId, { preview: true });
    else setMessage('This browser cannot show this image.', true);
  });

  /** Shows image `id`, from the gallery's copy first, then the server's. */
  async function open(id) {
    if (currentId === id && dialog.open) return;
    currentId = id;
    setMessage('');
    hideConfirm();
    info.parentElement.scrollTop = 0;  // a new image starts at the top
    stage.style.removeProperty('--w');
    stage.style.removeProperty('--h');
    const cached = cachedDoc(id);
    if (cached) render(cached);
    else {
      title.textContent = 'Loading…';
      subtitle.textContent = '';
      info.replaceChildren();
      boxes.replaceChildren();
    }
    if (!dialog.open) dialog.showModal();
    loadImage(id);
    try {
      const doc = await getImage(id);
      if (currentId === id) render(doc);
    } catch (error) {
      if (currentId !== id) return;
      if (error instanceof ApiError && error.status === 404) {
        title.textContent = 'Image not found';
        setMessage('This image does not exist (any more).', true);
        deleteButton.disabled = true;
      } else {
        setMessage(describeError(error, 'read images'), true);
      }
    }
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  /** Re-renders when `doc` is the image on show (live updates). */
  function update(doc) {
    if (currentId === doc.id && dialog.open) render(doc);
  }

  // ---- delete, with a confirmation step ----

  function hideConfirm() {
    confirmBar.hidden = true;
    deleteButton.hidden = false;
    deleteButton.disabled = false;
  }

  deleteButton.addEventListener('click', () => {
    deleteButton.hidden = true;
    confirmBar.hidden = false;
    confirmNo.focus();
  });
  confirmNo.addEventListener('click', () => {
    hideConfirm();
    deleteButton.focus();
  });
  confirmYes.addEventListener('click', async () => {
    const id = currentId;
    confirmYes.disabled = true;
    setMessage('Deleting…');
    try {
      await deleteImage(id);
      hideConfirm();
      onDeleted(id);
      close();
    } catch (error) {
      setMessage(`Not deleted: ${describeError(error, 'delete images')}`, true);
    } finally {
      confirmYes.disabled = false;
    }
  });

  // ---- closing ----

  closeButton.addEventListener('click', close);
  // A click on the backdrop lands on the <dialog> element itself.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) close();
  });
  dialog.addEventListener('close', () => {
    currentId = null;
    shownDoc = null;
    releaseImage();
    onClosed();
  });
  image.addEventListener('load', () => {
    stage.classList.add('loaded');
    // Without metadata (not analysed yet) the image's own size sets the frame.
    if (!shownDoc?.metadata?.width) {
      stage.style.setProperty('--w', image.naturalWidth);
      stage.style.setProperty('--h', image.naturalHeight);
    }
  });
  showObjects.addEventListener('change', () => boxes.classList.toggle('hide-objects', !showObjects.checked));
  showFaces.addEventListener('change', () => boxes.classList.toggle('hide-faces', !showFaces.checked));

  return { open, close, update, showingId: () => currentId };
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

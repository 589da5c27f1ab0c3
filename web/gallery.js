// The gallery: a grid of fixed-size cards, newest first, filled a page at a
// time (GET /v1/images with nextCursor) as the end of the list scrolls into
// view. Cards are keyed by image id and updated in place as live events
// arrive. Thumbnails are fetched with the API key and shown through object
// URLs, which are revoked when their card goes.

import { listImages, fetchObjectUrl, thumbnailPath, describeError } from './api.js';
import { el, announce } from './dom.js';

const PAGE_SIZE = 30;
const STATUS_WORDS = { pending: 'pending', processing: 'analysing', done: 'done', failed: 'failed' };

/** Newest first: documents order by createdAt, then by id (ids are time-ordered). */
function sortKey(doc) {
  return `${doc.createdAt || ''}|${doc.id}`;
}

/** Whether `doc` passes the gallery filters {status, tag, category} (empty = any). */
export function matchesFilters(doc, filters) {
  if (filters.status && doc.status !== filters.status) return false;
  if (filters.tag && !(doc.analysis?.tags || []).some((t) => t.name === filters.tag)) return false;
  if (filters.category && !(doc.analysis?.categories || []).some((c) => c.name === filters.category)) {
    return false;
  }
  return true;
}

/** The first caption of an analysed image, or ''. */
export function captionOf(doc) {
  return doc.analysis?.description?.captions?.[0]?.text || '';
}

/**
 * Creates the gallery in `grid` (a <ul>). `sentinel` is the element below the
 * grid whose appearance loads the next page; `summary` shows the count.
 * Returns the gallery's methods (see the end of this function).
 */
export function createGallery({ grid, sentinel, summary }) {
  const cards = new Map();      // id -> card {doc, node, link, img, title, sub, badge, thumbUrl, thumb}
  let filters = {};
  let nextCursor = null;
  let exhausted = false;        // the last page has been loaded
  let loading = false;
  let generation = 0;           // bumped by reload(): answers to older requests are dropped

  // ---- cards ----

  function describe(doc) {
    const caption = captionOf(doc);
    const name = doc.filename;
    const title = name || caption || `Image ${doc.id.slice(-8)}`;
    let sub;
    if (doc.status === 'done') {
      const tags = (doc.analysis?.tags || []).slice(0, 3).map((t) => t.name).join(', ');
      sub = name && caption ? caption : tags || 'no tags';
    } else if (doc.status === 'failed') {
      sub = doc.error?.message || 'analysis failed';
    } else {
      sub = doc.status === 'processing' ? 'analysing…' : 'waiting for analysis';
    }
    return { title, sub, caption };
  }

  function makeCard(doc) {
    const card = { doc, thumb: 'none', thumbUrl: null };
    card.img = el('img', { alt: '', decoding: 'async' });
    card.img.addEventListener('load', () => card.node.classList.add('has-thumb'));
    card.note = el('span', { class: 'thumb-note', 'aria-hidden': 'true' });
    card.title = el('span', { class: 'card-title' });
    card.sub = el('span', { class: 'card-sub' });
    card.badge = el('span', { class: 'badge' });
    card.link = el('a', { class: 'card-link', href: `#/images/${encodeURIComponent(doc.id)}` },
      el('span', { class: 'card-thumb' }, card.img, card.note, card.badge),
      el('span', { class: 'card-body' }, card.title, card.sub));
    card.node = el('li', { class: 'card', dataset: { id: doc.id } }, card.link);
    fill(card, doc);
    thumbObserver.observe(card.node);
    return card;
  }

  /** Writes `doc` into the card's elements. */
  function fill(card, doc) {
    const previous = card.doc;
    card.doc = doc;
    const { title, sub, caption } = describe(doc);
    const status = STATUS_WORDS[doc.status] || doc.status;
    card.node.dataset.status = doc.status;
    // "done" badges show only for a moment after a live change (styles.css).
    if (previous.status !== doc.status && doc.status === 'done') card.node.classList.add('just-done');
    if (doc.filename) card.node.dataset.name = doc.filename;
    card.title.textContent = title;
    card.title.title = title;
    card.sub.textContent = sub;
    card.sub.title = sub;
    card.badge.textContent = status;
    card.badge.dataset.status = doc.status;
    card.link.setAttribute('aria-label', `${title}, ${status}${caption && caption !== title ? `: ${caption}` : ''}`);
    card.img.alt = caption || title;
    // A thumbnail that failed while the image was waiting may work now.
    if (card.thumb === 'failed' && previous.status !== doc.status && doc.status === 'done') {
      card.thumb = 'none';
      thumbObserver.unobserve(card.node);
      thumbObserver.observe(card.node);
    }
  }

  async function loadThumbnail(card) {
    if (card.thumb !== 'none') return;
    card.thumb = 'loading';
    try {
      const url = await fetchObjectUrl(thumbnailPath(card.doc.id, 256));
      if (cards.get(card.doc.id) !== card) return URL.revokeObjectURL(url);  // removed meanwhile
      card.thumbUrl = url;
      card.img.src = url;
      card.thumb = 'loaded';
    } catch {
      card.thumb = 'failed';
      card.note.textContent = card.doc.status === 'failed' ? 'no preview' : '';
    }
  }

  // Thumbnails load when their card comes near the viewport.
  const thumbObserver = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const card = cards.get(entry.target.dataset.id);
      thumbObserver.unobserve(entry.target);
      if (card) loadThumbnail(card);
    }
  }, { rootMargin: '400px' });

  /** Puts a new card at its place in newest-first order. */
  function insert(card) {
    const key = sortKey(card.doc);
    for (const node of grid.children) {
      const other = cards.get(node.dataset.id);
      if (other && sortKey(other.doc) < key) {
        grid.insertBefore(card.node, node);
        return;
      }
    }
    grid.append(card.node);
  }

  /** The oldest document shown, or null. */
  function oldestShown() {
    const last = grid.lastElementChild;
    return last ? cards.get(last.dataset.id)?.doc : null;
  }

  /**
   * Shows `doc`: updates its card, adds a card, or removes the card when the
   * document no longer passes the filters. An unknown document older than
   * everything shown is left for the page that will bring it (`fromPage`
   * skips that check for documents that come from a page).
   */
  function upsert(doc, { fromPage = false } = {}) {
    const card = cards.get(doc.id);
    if (!matchesFilters(doc, filters)) {
      if (card) remove(doc.id);
      return;
    }
    if (card) return fill(card, doc);
    const oldest = oldestShown();
    if (!fromPage && !exhausted && oldest && sortKey(doc) < sortKey(oldest)) return;
    const created = makeCard(doc);
    cards.set(doc.id, created);
    insert(created);
    if (!fromPage) updateSummary();
  }

  /**
   * Removes the card of image `id` (if shown) and frees its thumbnail.
   * Returns the card link that should take the focus in its place, or null.
   */
  function remove(id) {
    const card = cards.get(id);
    if (!card) return null;
    const neighbour = card.node.nextElementSibling || card.node.previousElementSibling;
    thumbObserver.unobserve(card.node);
    if (card.thumbUrl) URL.revokeObjectURL(card.thumbUrl);
    card.node.remove();
    cards.delete(id);
    updateSummary();
    return neighbour ? neighbour.querySelector('a') : null;
  }

  // ---- pages ----

  function setSentinel(state, text, retry) {
    sentinel.dataset.state = state;
    sentinel.replaceChildren(text);
    if (retry) {
      sentinel.append(' ', el('button', { type: 'button', class: 'button small', text: 'Try again', on: { click: loadMore } }));
    }
  }

  /** Loads the next page (or the first after reload()). */
  async function loadMore() {
    if (loading || exhausted) return;
    loading = true;
    const started = generation;
    setSentinel('loading', 'Loading…');
    let page;
    try {
      page = await listImages({ ...filters, limit: PAGE_SIZE, cursor: nextCursor || undefined });
    } catch (error) {
      if (started !== generation) return;
      loading = false;
      setSentinel('error', `Could not load images: ${describeError(error, 'list images')}`, true);
      return;
    }
    if (started !== generation) return;
    loading = false;
    for (const doc of page.images || []) upsert(doc, { fromPage: true });
    nextCursor = page.nextCursor || null;
    exhausted = !nextCursor;
    setSentinel(exhausted ? 'end' : 'more', exhausted && cards.size ? 'No more images.' : '');
    updateSummary();
    // The observer only reports changes: when the sentinel is still in view
    // after a short page, observing it again reports it and loads the next.
    if (!exhausted) {
      pageObserver.unobserve(sentinel);
      pageObserver.observe(sentinel);
    }
  }

  const pageObserver = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadMore();
  }, { rootMargin: '600px' });

  function filterWords() {
    const parts = [];
    if (filters.status) parts.push(`status “${filters.status}”`);
    if (filters.tag) parts.push(`tag “${filters.tag}”`);
    if (filters.category) parts.push(`category “${filters.category}”`);
    return parts.join(' and ');
  }

  function updateSummary() {
    const count = cards.size;
    const filtered = filterWords();
    const more = exhausted ? '' : '+';
    let text;
    if (!count && loading) text = 'Loading…';
    else if (!count && filtered) text = `No images match ${filtered}.`;
    else if (!count && exhausted) text = 'No images yet — drop some photos above to start.';
    else if (!count) text = '';
    else text = `${count}${more} image${count === 1 && !more ? '' : 's'}${filtered ? ` with ${filtered}` : ''}`;
    summary.textContent = text;
    return text;
  }

  // ---- the gallery's methods ----

  /** Empties the grid, freeing every thumbnail. */
  function clear() {
    generation++;
    loading = false;
    for (const id of [...cards.keys()]) remove(id);
    nextCursor = null;
    exhausted = false;
    pageObserver.unobserve(sentinel);
    setSentinel('idle', '');
  }

  /** Shows the first page for `newFilters` ({status, tag, category}; default: the current ones). */
  async function reload(newFilters = filters) {
    clear();
    filters = { ...newFilters };
    await loadMore();
    announce(updateSummary());
  }

  return {
    reload,
    clear,
    upsert,
    remove,
    /** Adds a card for a fresh upload's receipt, unless events already brought it. */
    addUpload(receipt) {
      const card = cards.get(receipt.id);
      if (card) fill(card, card.doc);
      else upsert(receipt);
    },
    /** The documents shown that are still pending or processing. */
    unfinished: () => [...cards.values()].map((card) => card.doc)
      .filter((doc) => doc.status === 'pending' || doc.status === 'processing'),
    /** The document shown for `id`, or undefined. */
    get: (id) => cards.get(id)?.doc,
    /** The card link of `id` (to give it the focus), or null. */
    linkOf: (id) => cards.get(id)?.link || null,
    get filters() { return { ...filters }; },
  };
}

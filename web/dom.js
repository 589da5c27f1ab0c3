// Small DOM and formatting helpers shared by the other modules.

/**
 * Creates an element. `props` may hold:
 *   class: string, text: string, dataset: {key: value},
 *   style: {property: value} (set through CSSOM: the server's Content
 *     Security Policy refuses style="" attributes),
 *   on: {eventName: handler}, and any other attribute (set with setAttribute;
 *   `true` sets an empty attribute, `false`/null/undefined skips it).
 * Children are nodes or strings; null/undefined/false children are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'style') {
      for (const [property, text] of Object.entries(value)) node.style.setProperty(property, text);
    }
    else if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** Appends nodes or strings (nested arrays allowed), skipping empty ones. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** A confidence in 0..1 as a whole percentage, e.g. 0.834 -> "83%". */
export function percent(value) {
  return `${Math.round((Number(value) || 0) * 100)}%`;
}

/** A byte count in words, e.g. 163759 -> "160 KB", 20971520 -> "20 MiB". */
export function formatBytes(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  const mib = n / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

/** An ISO timestamp in the reader's locale, or '' when missing. */
export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Says `message` to screen-reader users through the page's polite live region. */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  setTimeout(() => { region.textContent = message; }, 50);
}

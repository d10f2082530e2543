// Safe DOM building: elements are created, text is set as text (never parsed as HTML), and
// attribute names come only from this code, so data from the cluster cannot become markup.

const svgNs = 'http://www.w3.org/2000/svg';

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

function setAttributes(element, attributes) {
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') {
      for (const [type, handler] of Object.entries(value)) element.addEventListener(type, handler);
    } else if (key.startsWith('on')) {
      throw new Error(`set event handlers with { on: { ${key.slice(2)}: fn } }, not ${key}`);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  return element;
}

/** An HTML element: h('td', { class: 'n' }, 'text', child, …). */
export function h(tag, attributes, ...children) {
  return append(setAttributes(document.createElement(tag), attributes), children);
}

/** An SVG element, the same way. */
export function s(tag, attributes, ...children) {
  return append(setAttributes(document.createElementNS(svgNs, tag), attributes), children);
}

/** Replaces every child of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

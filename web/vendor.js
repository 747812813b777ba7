// The vendored TF.js scripts (make web-vendor, never a CDN): each added to the page once, when first needed.

export const VENDOR = new URL('./vendor/', import.meta.url);

const loading = {};

/** Resolves once vendor/`file` has run (it adds to the global `tf`); rejects naming it when it cannot load. */
export function loadVendored(file) {
  loading[file] ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL(file, VENDOR).href;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`${script.src} did not load`));
    document.head.append(script);
  });
  return loading[file];
}

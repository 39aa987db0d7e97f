// Types for the browser copy of DOMPurify that serve-console.ts serves at ./vendor/purify.js.
export { default } from 'dompurify';
export * from 'dompurify';

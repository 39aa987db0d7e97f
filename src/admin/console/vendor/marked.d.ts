// Types for the browser copy of marked that serve-console.ts serves at ./vendor/marked.js.
export * from 'marked';

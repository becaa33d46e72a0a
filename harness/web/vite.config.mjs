import { defineConfig } from 'vite';

// No React plugin: the page needs JSX only, which Vite's Oxc transform does with the automatic runtime.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  server: { port: 3006, strictPort: true, host: 'localhost' },
  preview: { port: 3006, strictPort: true, host: 'localhost' },
  build: { outDir: 'dist', emptyOutDir: true },
});

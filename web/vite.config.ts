import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The app builds on the TypeScript SDK, @trainyard/client (a file: dependency on
// ../clients/typescript): its generated Protobuf types and service descriptors and its helpers.
// The SDK is compiled with the app from the TypeScript sources it ships (src/), so a fresh clone
// needs no separate SDK build; .npmrc's ignore-scripts keeps npm from running the SDK's own
// prepare (tsc), which would need the SDK's dev dependencies installed. The SDK's imports of
// @bufbuild/protobuf and @connectrpc/* resolve from web/node_modules (dedupe), so there is one
// copy of each runtime.
const sdk = fileURLToPath(new URL("./node_modules/@trainyard/client/src", import.meta.url));
const sdkReal = fileURLToPath(new URL("../clients/typescript/src", import.meta.url));
const out = fileURLToPath(new URL("../server/web/dist", import.meta.url));
const api = process.env.TRAINYARD_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@trainyard\/client$/, replacement: `${sdk}/index.ts` },
      { find: /^@trainyard\/client\/web$/, replacement: `${sdk}/web.ts` },
    ],
    dedupe: ["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-web", "react", "react-dom"],
  },
  esbuild: { jsx: "automatic" },
  build: {
    outDir: out,
    emptyOutDir: true,
    chunkSizeWarningLimit: 500,
    rollupOptions: {
      // MUI marks its modules "use client" for React Server Components; irrelevant in a SPA.
      onwarn(w, warn) {
        if (w.code !== "MODULE_LEVEL_DIRECTIVE") warn(w);
      },
      output: {
        // React changes less often than the app: its own chunk stays cached across releases. The
        // rest is split by where it is used, so a page's MUI components come with the page.
        manualChunks(id) {
          if (/\/node_modules\/(react|react-dom|scheduler)\//.test(id)) return "react";
          return undefined;
        },
      },
    },
  },
  server: {
    fs: { allow: [".", sdkReal] },
    proxy: {
      "/api": api,
      "/trainyard.v1.": api,
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});

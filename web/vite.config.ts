import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The app imports the generated client from the repository's gen/ts as "@gen/...". Those files
// import @bufbuild/protobuf, which lives only in web/node_modules: dedupe makes every import of
// it resolve from here, so there is one copy of the runtime.
const gen = fileURLToPath(new URL("../gen/ts", import.meta.url));
const out = fileURLToPath(new URL("../server/web/dist", import.meta.url));
const api = process.env.TRAINYARD_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  resolve: {
    alias: { "@gen": gen },
    dedupe: ["@bufbuild/protobuf", "react", "react-dom"],
  },
  esbuild: { jsx: "automatic" },
  build: {
    outDir: out,
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // MUI marks its modules "use client" for React Server Components; irrelevant in a SPA.
      onwarn(w, warn) {
        if (w.code !== "MODULE_LEVEL_DIRECTIVE") warn(w);
      },
    },
  },
  server: {
    fs: { allow: [".", gen] },
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

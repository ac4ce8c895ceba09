// Vite build for the waflow dashboard: output in dist/ (embedded into the Rust binary), base "/".
// In development, /api is proxied to a running `waflow serve` (WAFLOW_API, default 127.0.0.1:8080).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const api = process.env.WAFLOW_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: { proxy: { "/api": api } },
});

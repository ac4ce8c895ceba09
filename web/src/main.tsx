// Entry point: mounts the app.

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AuthProvider } from "./app/auth";
import { App } from "./app/App";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <AuthProvider>
        <App />
      </AuthProvider>
    </StrictMode>,
  );
}

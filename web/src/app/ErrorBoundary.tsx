// Catches a rendering error so a page fails in words, with a way back, instead of going blank.

import { Component, type ReactNode } from "react";
import { t } from "./words/frame";

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null }> {
  state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidUpdate(previous: { resetKey: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="banner banner-error" role="alert">
        <span>{t("app.crashed", { error: this.state.error.message })}</span>
        <button type="button" className="button" onClick={() => window.location.reload()}>
          {t("app.reload")}
        </button>
      </div>
    );
  }
}

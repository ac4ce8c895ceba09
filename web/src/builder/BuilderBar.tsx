// The builder's top bar: back link, name, live version, save state, the actions; under it the
// warning when other live workflows would also take this workflow's messages, and the question
// before publishing such a workflow.

import type { Workflow } from "../api/types";
import { Link } from "../app/router";
import { t } from "../app/words/builder";
import type { Overlap } from "./useOverlaps";

export function OverlapWarning({ overlaps }: { overlaps: Overlap[] }) {
  if (!overlaps.length) return null;
  return (
    <div className="banner banner-warn overlap-warning" role="alert" aria-label={t("overlap.label")}>
      <strong>{overlaps.length === 1 ? t("overlap.one") : t("overlap.many", { n: String(overlaps.length) })}</strong>
      <ul>
        {overlaps.map((o) => (
          <li key={o.workflow_id}>
            <Link to={`/workflows/${encodeURIComponent(o.workflow_id)}`}>“{o.name}”</Link>
            {o.reason ? ` — ${o.reason}` : ""}
          </li>
        ))}
      </ul>
      <span className="hint">{t("overlap.hint")}</span>
    </div>
  );
}

export function BuilderBar({ name, workflow, status, failed, notice, canUndo, saving, testing, publishing, onLayout, onUndo, onSave, onTest, onPublish }: {
  name: string;
  workflow: Workflow;
  status: string;
  failed: boolean;
  notice: string | null;
  canUndo: boolean;
  saving: boolean;
  testing: boolean;
  publishing: boolean;
  onLayout: () => void;
  onUndo: () => void;
  onSave: () => void;
  onTest: () => void;
  onPublish: () => void;
}) {
  return (
    <div className="builder-bar">
      <Link to="/workflows" className="button-quiet small">
        ← {t("bar.back")}
      </Link>
      <h1 className="builder-title">{name || t("bar.untitled")}</h1>
      <span className={`badge ${workflow.active ? "badge-ok" : "badge-muted"}`}>
        {t(workflow.active ? "bar.live" : "bar.inactive", { v: String(workflow.version) })}
      </span>
      <span className={`save-state${failed ? " failed" : ""}`} role="status" aria-live="polite">
        {status}
        {notice && <span className="builder-notice"> · {notice}</span>}
      </span>
      <div className="builder-actions">
        <button type="button" className="button" onClick={onLayout}>
          {t("bar.layout")}
        </button>
        <button type="button" className="button" onClick={onUndo} disabled={!canUndo} aria-keyshortcuts="Control+Z">
          {t("bar.undo")}
        </button>
        <button type="button" className="button" onClick={onSave} disabled={saving} aria-keyshortcuts="Control+S">
          {t("bar.save")}
        </button>
        <button type="button" className="button" aria-pressed={testing} onClick={onTest}>
          {t("bar.test")}
        </button>
        <button type="button" className="button-primary" onClick={onPublish} disabled={publishing}>
          {publishing ? t("bar.publishing") : t("bar.publish")}
        </button>
      </div>
    </div>
  );
}

/** Asked before publishing a workflow that other live workflows overlap. */
export function PublishCheck({ overlaps, onPublish, onCancel }: { overlaps: Overlap[]; onPublish: () => void; onCancel: () => void }) {
  return (
    <div className="banner banner-warn publish-check" role="alertdialog" aria-label={t("overlap.confirmTitle")}>
      <strong>{t("overlap.confirmTitle")}</strong>
      <span>{t("overlap.confirmText", { names: overlaps.map((o) => `“${o.name}”`).join(", ") })}</span>
      <span className="row">
        <button type="button" className="button-primary small" onClick={onPublish}>
          {t("overlap.publishAnyway")}
        </button>
        <button type="button" className="button small" onClick={onCancel}>
          {t("overlap.cancel")}
        </button>
      </span>
    </div>
  );
}

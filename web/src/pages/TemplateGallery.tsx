// The template gallery: built-in templates and the workspace's own; "Use" creates a workflow.

import { useEffect, useRef, useState } from "react";
import { errorText } from "../api/client";
import type { WorkflowTemplate } from "../api/types";
import { describeTrigger } from "../builder/describe";
import { navigate } from "../app/router";
import { plural, t as words } from "../app/words/workflows";
import { formatCount } from "../ui/format";
import { useLoad } from "../ui/useLoad";
import { ErrorBanner, Loading } from "../ui/widgets";
import { deleteTemplate, listTemplates, createFromTemplate } from "./workflowsApi";

export function TemplateGallery({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const templates = useLoad(listTemplates, []);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  const use = async (t: WorkflowTemplate) => {
    setBusy(true);
    setError(null);
    try {
      const wf = await createFromTemplate(t, templates.data?.serverHasTemplates ?? false);
      onClose();
      navigate(`/workflows/${wf.id}`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (t: WorkflowTemplate) => {
    if (!window.confirm(words("gallery.confirmDelete", { name: t.name }))) return;
    setError(null);
    try {
      await deleteTemplate(t.id);
      templates.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="gallery-title" onClose={onClose}>
      <div className="dialog-head">
        <h2 id="gallery-title">{words("gallery.title")}</h2>
        <button type="button" className="icon-button" aria-label={words("common.close")} onClick={() => dialog.current?.close()}>
          ×
        </button>
      </div>
      <ErrorBanner error={error ?? templates.error} />
      {templates.loading ? (
        <Loading height={200} />
      ) : (
        <>
          <ul className="gallery">
            {(templates.data?.templates ?? []).map((t) => (
              <li key={t.id} className="card">
                <h3>{t.name}</h3>
                <p className="muted small">{describeTrigger(t.document.trigger)} · {words(`gallery.steps.${plural(t.document.steps.length)}`, { n: formatCount(t.document.steps.length) })}</p>
                <p>{t.description}</p>
                <div className="row">
                  <button type="button" className="button-primary" disabled={busy} onClick={() => use(t)}>
                    {words("gallery.use", { name: t.name })}
                  </button>
                  {templates.data?.serverHasTemplates && !t.builtin && (
                    <button type="button" className="button-danger small" disabled={busy} onClick={() => remove(t)}>
                      {words("gallery.delete")}
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ul>
          {templates.data && !templates.data.serverHasTemplates && (
            <p className="hint">{words("gallery.builtinOnly")}</p>
          )}
        </>
      )}
    </dialog>
  );
}

// A canvas node: one step (type, id, what it does, its delay and any error), with one source
// handle per outgoing edge (a "+" under each one that leads nowhere yet adds a step there); and
// the trigger node the flow starts from.

import { useEffect } from "react";
import { Handle, Position, useUpdateNodeInternals, type Node, type NodeProps } from "@xyflow/react";
import type { StepEdge } from "./document";
import { edgeLabel } from "./describe";
import { t } from "../app/words/builder";

export type StepNodeData = {
  typeLabel: string;
  stepId: string;
  description: string;
  when: string | null;
  edges: StepEdge[];
  error: string | null;
  first: boolean;
  onInsert: (source: string, field: string, label: string) => void;
};
export type StepNodeType = Node<StepNodeData, "step">;

export type TriggerNodeData = { trigger: string; conditions: string | null; error: string | null };
export type TriggerNodeType = Node<TriggerNodeData, "trigger">;

const TONE: Record<string, string> = {
  then: "yes", else: "no", on_failure: "no", invalid_next: "no", timeout_next: "wait", on_timeout: "wait", otherwise: "no",
};

export function StepNode({ id, data, selected }: NodeProps<StepNodeType>) {
  // A new button or option is a new handle: React Flow measures handles once, so its edge would
  // not be drawn until a reload without this.
  const updateInternals = useUpdateNodeInternals();
  const handles = data.edges.map((e) => e.handle).join("|");
  useEffect(() => updateInternals(id), [id, handles, updateInternals]);
  return (
    <div className={`step-node${selected ? " selected" : ""}${data.error ? " has-error" : ""}`} data-step-id={data.stepId}>
      <Handle type="target" position={Position.Top} className="handle-in" />
      <div className="step-node-head">
        <span className="step-type">{data.typeLabel}</span>
        <span className="step-id">{data.stepId}</span>
      </div>
      {data.description && <div className="step-node-body">{data.description}</div>}
      {data.when && (
        <div className="step-when">
          <svg aria-hidden="true" width="11" height="11" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6">
            <circle cx="8" cy="8" r="6.5" />
            <path d="M8 4.5V8l2.5 1.5" />
          </svg>{" "}
          {data.when}
        </div>
      )}
      {data.error && (
        <div className="step-node-error" role="alert">
          {data.error}
        </div>
      )}
      {data.edges.length > 0 && (
        <div className="step-handles">
          {data.edges.map((e) => {
            const label = edgeLabel(e);
            return (
              <div key={e.handle} className={`handle-slot tone-${TONE[e.field] ?? (e.field.startsWith("routes.") ? "route" : "next")}`}>
                <span className="handle-label">{label}</span>
                {!e.target && (
                  <button
                    type="button"
                    className="handle-plus nodrag"
                    aria-label={t("node.addOn", { label, id: data.stepId })}
                    title={t("node.addOn", { label, id: data.stepId })}
                    onClick={(ev) => {
                      ev.stopPropagation();
                      data.onInsert(data.stepId, e.field, label);
                    }}
                  >
                    +
                  </button>
                )}
                <Handle type="source" position={Position.Bottom} id={e.handle} className="handle-out" />
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

export function TriggerNode({ data, selected }: NodeProps<TriggerNodeType>) {
  return (
    <div className={`trigger-node${selected ? " selected" : ""}${data.error ? " has-error" : ""}`}>
      <div className="step-node-head">
        <span className="step-type">{t("trigger.title")}</span>
      </div>
      <div className="step-node-body strong">{data.trigger}</div>
      {data.conditions && <div className="step-node-body small">{t("trigger.if", { conditions: data.conditions })}</div>}
      {data.error && (
        <div className="step-node-error" role="alert">
          {data.error}
        </div>
      )}
      <Handle type="source" position={Position.Bottom} id="start" className="handle-out" isConnectable={false} />
    </div>
  );
}

// A canvas node: one step (type, id, what it does, its delay and any error), with one source
// handle per outgoing edge; and the trigger node the flow starts from.

import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import type { StepEdge } from "./document";

export type StepNodeData = {
  typeLabel: string;
  stepId: string;
  description: string;
  when: string | null;
  edges: StepEdge[];
  error: string | null;
  first: boolean;
};
export type StepNodeType = Node<StepNodeData, "step">;

export type TriggerNodeData = { trigger: string; conditions: string | null; error: string | null };
export type TriggerNodeType = Node<TriggerNodeData, "trigger">;

const TONE: Record<string, string> = {
  then: "yes", else: "no", on_failure: "no", invalid_next: "no", timeout_next: "wait", on_timeout: "wait", otherwise: "no",
};

export function StepNode({ data, selected }: NodeProps<StepNodeType>) {
  return (
    <div className={`step-node${selected ? " selected" : ""}${data.error ? " has-error" : ""}`} data-step-id={data.stepId}>
      <Handle type="target" position={Position.Top} className="handle-in" />
      <div className="step-node-head">
        <span className="step-type">{data.typeLabel}</span>
        <span className="step-id">{data.stepId}</span>
      </div>
      {data.description && <div className="step-node-body">{data.description}</div>}
      {data.when && <div className="step-when">⏱ {data.when}</div>}
      {data.error && (
        <div className="step-node-error" role="alert">
          {data.error}
        </div>
      )}
      {data.edges.length > 0 && (
        <div className="step-handles">
          {data.edges.map((e) => (
            <div key={e.handle} className={`handle-slot tone-${TONE[e.field] ?? (e.field.startsWith("routes.") ? "route" : "next")}`}>
              <span className="handle-label">{e.label}</span>
              <Handle type="source" position={Position.Bottom} id={e.handle} className="handle-out" />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

export function TriggerNode({ data, selected }: NodeProps<TriggerNodeType>) {
  return (
    <div className={`trigger-node${selected ? " selected" : ""}${data.error ? " has-error" : ""}`}>
      <div className="step-node-head">
        <span className="step-type">Trigger</span>
      </div>
      <div className="step-node-body strong">{data.trigger}</div>
      {data.conditions && <div className="step-node-body small">if {data.conditions}</div>}
      {data.error && (
        <div className="step-node-error" role="alert">
          {data.error}
        </div>
      )}
      <Handle type="source" position={Position.Bottom} id="start" className="handle-out" isConnectable={false} />
    </div>
  );
}

// The condition tree editor: nested "all" / "any" groups, negation (NOT) of groups and leaves,
// and a form per leaf type. Errors from the server are shown at the path they name.

import { t } from "../app/words/builder";
import { useId } from "react";
import type { Agent } from "../api/types";
import { isGroup, isNot, str, type Condition, type Leaf } from "./document";
import { LEAF_KINDS, leafLabel, type LeafField } from "./catalog";
import { opLabel } from "./describe";
import { CheckField, ListField, NumberField, SelectField, TextField } from "../ui/fields";
import { WeeklyHours, type Weekly } from "../ui/WeeklyHours";

export interface ConditionEditorProps {
  value: Condition | undefined;
  onChange: (value: Condition | undefined) => void;
  /** The document path of this tree (`conditions` or `steps[2].conditions`). */
  path: string;
  /** The server's error, if any: its field path and message. */
  error: { field: string; message: string } | null;
  agents: Agent[];
  /** Whether removing everything is allowed (workflow conditions are optional, a branch's are not). */
  optional: boolean;
}

type GroupValue = { all: Condition[] } | { any: Condition[] };

function errorAt(error: ConditionEditorProps["error"], path: string, exact = false): string | null {
  if (!error) return null;
  if (error.field === path || (!exact && (error.field.startsWith(`${path}.`) || error.field.startsWith(`${path}[`)))) return error.message;
  return null;
}

export function ConditionEditor(props: ConditionEditorProps) {
  const { value, onChange, path, optional } = props;
  if (!value) {
    return (
      <div className="cond-empty">
        <p className="muted">{optional ? t("cond.empty") : t("cond.emptyBranch")}</p>
        <button type="button" className="button" onClick={() => onChange({ all: [LEAF_KINDS[0]!.make()] })}>
          {t("cond.add")}
        </button>
      </div>
    );
  }
  // A single leaf at the root is shown as a group of one; editing keeps the group.
  const root: Condition = isGroup(value) || isNot(value) ? value : { all: [value] };
  const rootPath = isGroup(value) || isNot(value) ? path : path;
  return (
    <Node
      {...props}
      node={root}
      nodePath={rootPath}
      leafPathOverride={isGroup(value) || isNot(value) ? null : path}
      onNode={(c) => onChange(c)}
      onRemove={optional ? () => onChange(undefined) : null}
      depth={0}
    />
  );
}

interface NodeProps extends ConditionEditorProps {
  node: Condition;
  nodePath: string;
  /** When the root was a bare leaf, its children's real path is the root path itself. */
  leafPathOverride: string | null;
  onNode: (c: Condition) => void;
  onRemove: (() => void) | null;
  depth: number;
}

function Node(props: NodeProps) {
  const { node, nodePath, onNode, onRemove, depth } = props;
  if (isNot(node) && isGroup(node.not)) {
    return <Group {...props} group={node.not} negated groupPath={`${nodePath}.not`} onGroup={(g) => onNode(g.negated ? { not: g.group } : g.group)} />;
  }
  if (isGroup(node)) {
    return <Group {...props} group={node} negated={false} groupPath={nodePath} onGroup={(g) => onNode(g.negated ? { not: g.group } : g.group)} />;
  }
  const leaf: Leaf = isNot(node) ? { ...(node.not as Leaf), negate: !(node.not as Leaf).negate } : (node as Leaf);
  return <LeafRow {...props} leaf={leaf} leafPath={nodePath} onLeaf={onNode} onRemove={onRemove} depth={depth} />;
}

function Group(props: NodeProps & { group: GroupValue; negated: boolean; groupPath: string; onGroup: (g: { group: GroupValue; negated: boolean }) => void }) {
  const { group, negated, groupPath, onGroup, onRemove, depth, leafPathOverride } = props;
  const mode = "all" in group ? "all" : "any";
  const items = "all" in group ? group.all : group.any;
  const itemsPath = `${groupPath}.${mode}`;
  const set = (list: Condition[], m: "all" | "any" = mode, n = negated) => {
    onGroup({ group: m === "all" ? { all: list } : { any: list }, negated: n });
  };
  const legendId = useId();
  const groupError = errorAt(props.error, itemsPath, true);
  return (
    <div className={`cond-group depth-${depth % 3}`} role="group" aria-labelledby={legendId}>
      <div className="cond-group-head">
        <span id={legendId} className="visually-hidden">
          {t(negated ? "cond.groupNot" : "cond.group", { mode })}
        </span>
        <label className="field-inline">
          <span>{t("cond.match")}</span>
          <select value={mode} onChange={(e) => set(items, e.target.value as "all" | "any")} aria-label={t("cond.matchLabel")}>
            <option value="all">{t("cond.matchAll")}</option>
            <option value="any">{t("cond.matchAny")}</option>
          </select>
        </label>
        <CheckField label={t("cond.negateGroup")} checked={negated} onChange={(v) => set(items, mode, v)} />
        {onRemove && (
          <button type="button" className="button-quiet small" onClick={onRemove}>
            {t("cond.removeGroup")}
          </button>
        )}
      </div>
      {groupError && <p className="field-error" role="alert">{groupError}</p>}
      <ol className="cond-items">
        {items.map((child, i) => (
          <li key={i}>
            <Node
              {...props}
              node={child}
              nodePath={leafPathOverride && items.length === 1 ? leafPathOverride : `${itemsPath}[${i}]`}
              leafPathOverride={null}
              onNode={(c) => set(items.map((x, k) => (k === i ? c : x)))}
              onRemove={() => {
                const rest = items.filter((_, k) => k !== i);
                if (rest.length === 0 && depth === 0 && props.optional && !negated) props.onChange(undefined);
                else set(rest);
              }}
              depth={depth + 1}
            />
          </li>
        ))}
      </ol>
      <div className="cond-add">
        <button type="button" className="button small" onClick={() => set([...items, LEAF_KINDS[0]!.make()])}>
          {t("cond.addLeaf")}
        </button>
        <button type="button" className="button small" onClick={() => set([...items, { any: [LEAF_KINDS[0]!.make()] }])}>
          {t("cond.addGroup")}
        </button>
      </div>
    </div>
  );
}

function LeafRow(props: NodeProps & { leaf: Leaf; leafPath: string; onLeaf: (c: Condition) => void }) {
  const { leaf, leafPath, onLeaf, onRemove, agents, error } = props;
  const kind = LEAF_KINDS.find((k) => k.type === leaf.type);
  const update = (key: string, v: unknown) => {
    const next: Leaf = { ...leaf };
    if (v === undefined || (key === "negate" && v === false) || (key === "case_sensitive" && v === false)) delete next[key];
    else next[key] = v;
    if (key === "op" && v === "exists") delete next.value;
    onLeaf(next);
  };
  const typeError = errorAt(error, `${leafPath}.type`, true) ?? errorAt(error, leafPath, true);
  return (
    <div className="cond-leaf">
      <div className="cond-leaf-head">
        <SelectField
          label={t("cond.kind")}
          value={leaf.type}
          error={typeError}
          options={[...LEAF_KINDS.map((k): [string, string] => [k.type, leafLabel(k)]), ...(kind ? [] : [[leaf.type, leaf.type] as [string, string]])]}
          onChange={(type) => {
            const made = LEAF_KINDS.find((k) => k.type === type)?.make();
            if (made) onLeaf(leaf.negate ? { ...made, negate: true } : made);
          }}
        />
        <CheckField label="NOT" checked={Boolean(leaf.negate)} onChange={(v) => update("negate", v)} />
        {onRemove && (
          <button type="button" className="icon-button" aria-label={t("cond.remove")} onClick={onRemove}>
            ×
          </button>
        )}
      </div>
      <div className="cond-leaf-fields">
        {kind?.fields
          .filter((f) => !f.when || f.when(leaf))
          .map((f) => <LeafInput key={f.key} field={f} leaf={leaf} agents={agents} error={errorAt(error, `${leafPath}.${f.key}`)} onChange={(v) => update(f.key, v)} />)}
      </div>
    </div>
  );
}

function LeafInput({ field, leaf, agents, error, onChange }: { field: LeafField; leaf: Leaf; agents: Agent[]; error: string | null; onChange: (v: unknown) => void }) {
  const v = leaf[field.key];
  switch (field.kind) {
    case "select":
      return <SelectField label={t(field.label)} value={str(v) || (field.options?.[0] ?? "")} error={error} options={(field.options ?? []).map((o) => [o, opLabel(o)])} onChange={onChange} />;
    case "list":
      return <ListField label={t(field.label)} value={Array.isArray(v) ? v.map(str) : []} error={error} onChange={onChange} />;
    case "number":
      return <NumberField label={t(field.label)} value={typeof v === "number" ? v : v === undefined ? undefined : Number(v)} error={error} onChange={onChange} />;
    case "bool":
      return <CheckField label={t(field.label)} checked={Boolean(v)} onChange={onChange} />;
    case "schedule":
      return <WeeklyHours legend={t(field.label)} value={(v ?? {}) as Weekly} error={error} onChange={onChange} />;
    case "agent":
      return (
        <SelectField
          label={t(field.label)}
          value={str(v) || "none"}
          error={error}
          options={[["none", t("cond.unassigned")], ["any", t("cond.anyone")], ...agents.map((a): [string, string] => [a.id, a.name || a.email])]}
          onChange={onChange}
        />
      );
    default:
      return <TextField label={t(field.label)} value={str(v)} error={error} onChange={onChange} />;
  }
}

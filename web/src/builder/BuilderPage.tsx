// The flow builder (to be built).
export default function BuilderPage({ id }: { id: string }) {
  return <h1>Workflow {id}</h1>;
}

// NumbersPage (to be built).
export default function NumbersPage(_props: { selected?: string | null }) {
  return <h1>NumbersPage</h1>;
}

/** A side panel shown by its title only, until opened (its data loads when it opens). */
export function CollapsedPanel({ title, onOpen, testId }: { title: string; onOpen(): void; testId: string }) {
  return (
    <section className="layer" data-testid={testId}>
      <h3>
        <button className="linklike" aria-expanded={false} onClick={onOpen}>
          ▸ {title}
        </button>
      </h3>
    </section>
  );
}

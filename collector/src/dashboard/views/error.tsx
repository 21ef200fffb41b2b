import { BarePage } from './layout.tsx';

/** A page for a failed request: status and a message that is safe to show (never a stack). */
export function ErrorPage(props: { base: string; status: number; text: string }) {
  return (
    <BarePage base={props.base} title={props.status === 404 ? 'Not found' : 'Error'}>
      <div class="flash error" role="alert">
        <strong>{props.status === 404 ? 'Not found' : 'Error'}</strong>: {props.text}
      </div>
      <p>
        <a href={props.base}>Back to the overview</a>
      </p>
    </BarePage>
  );
}

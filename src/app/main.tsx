import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { applyUrl } from '../state/urlState.ts';
import { useSelection } from '../state/selection.ts';
import { useSplitsSource } from '../state/splits.ts';
import { installDataPolicy } from './csp.ts';
import './styles.css';

// Before any request: data may come only from the known endpoints and the one the user confirmed.
installDataPolicy(useSelection.getState().customEndpoint, [useSplitsSource.getState().override]);
const restore = applyUrl(window.location.search);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App restore={restore} />
  </StrictMode>,
);

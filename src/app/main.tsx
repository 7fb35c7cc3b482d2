import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { applyUrl } from '../state/urlState.ts';
import './styles.css';

const restore = applyUrl(window.location.search);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App restore={restore} />
  </StrictMode>,
);

/** JupyterLab theme: light or dark, explicit colours for plotly, and change notifications. */
import type { ThemeColors } from "../draw/heatmapFigure";

/** Whether JupyterLab's current theme is light (the themes plugin keeps this body attribute). */
export function isLightTheme(doc: Document = document): boolean {
  return doc.body.dataset.jpThemeLight !== "false";
}

/** Explicit colours for libraries that cannot use CSS variables (plotly), from the theme. */
export function themeColors(doc: Document = document): ThemeColors {
  const style = getComputedStyle(doc.body);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const light = isLightTheme(doc);
  return {
    font: read("--jp-ui-font-color1", light ? "rgba(0,0,0,0.87)" : "rgba(255,255,255,0.87)"),
    grid: read("--jp-border-color2", light ? "#e0e0e0" : "#424242"),
  };
}

/** Calls `onChange` whenever JupyterLab switches theme; returns the function that stops it. */
export function watchTheme(onChange: () => void, doc: Document = document): () => void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(doc.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  return () => observer.disconnect();
}

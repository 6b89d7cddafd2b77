// plotly.js-cartesian-dist-min ships no types; renderers/plotly.ts narrows it to what we call.
declare module "plotly.js-cartesian-dist-min";

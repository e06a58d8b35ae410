// make bench: the whole public surface of oauth4webapi, bundled and minified by esbuild, is the
// payload a browser page using it would ship (tree-shaking cannot drop what is re-exported).
export * from "oauth4webapi";

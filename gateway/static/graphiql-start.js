// Uplift's own start script for GraphiQL (served from /graphiql/assets/, like GraphiQL itself, so the page
// needs no inline script and no other origin). React, ReactDOM and GraphiQL are globals from their UMD files.
(function () {
  "use strict";
  var url = window.location.origin + window.location.pathname;
  var fetcher = GraphiQL.createFetcher({ url: url });
  var headers = JSON.stringify({ Authorization: "Bearer <API key>" }, null, 2);
  var query = [
    "# Uplift. Your API key goes in Headers below;",
    "# run with Ctrl-Enter. Docs: every figure's unit.",
    "{",
    "  behaviors(status: ACTIVE) {",
    "    items { key name indicators { metricKey target period } }",
    "  }",
    "}",
    "",
  ].join("\n");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: query,
    defaultHeaders: headers,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: "headers",
  }));
})();

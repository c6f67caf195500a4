// Command pulumi-resource-kubernetes is our own entry point for the Pulumi Kubernetes provider.
//
// Upstream's cmd/pulumi-resource-kubernetes/main.go go:embeds schema-embed.json and
// terraform-mapping-embed.json, which are generated and gitignored upstream, so they are not in the
// module zip and that package cannot be built from the module cache. This wrapper calls the exported
// provider.Serve instead. ../build.sh copies this file, go.mod and go.sum into a build directory in the
// tools cache and generates the two JSON files there from the module's schema.json and
// terraform-mapping.json (same transform as upstream's generate.go: set "version", minify).
// The JSON files are never committed.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}

package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/version"
)

func versionCommand(s *streams) *cli.Command {
	return &cli.Command{
		Name:   "version",
		Usage:  "print the hogsend-db version and the bundled engine release",
		Flags:  []cli.Flag{jsonFlag()},
		Action: commandAction(s, newVersionOptions, runVersion),
	}
}

// versionOptions are version's flags.
type versionOptions struct {
	JSON bool
}

func newVersionOptions(c *cli.Context) (versionOptions, error) {
	return versionOptions{JSON: c.Bool("json")}, nil
}

func runVersion(_ context.Context, o versionOptions, s *streams) error {
	if o.JSON {
		commit, date := version.VCS()
		return s.printJSON(map[string]string{"version": version.Number(), "commit": commit, "date": date, "engine": engine.Version})
	}
	fmt.Fprintf(s.out, "hogsend-db %s\nengine track %s\n", version.String(), engine.Version)
	return nil
}

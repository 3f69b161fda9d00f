package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/version"
)

func versionCommand(s *streams) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the hogsend-db version and the bundled engine release",
		Flags: []cli.Flag{jsonFlag()},
		Action: func(c *cli.Context) error {
			if c.Bool("json") {
				commit, date := version.VCS()
				return s.printJSON(map[string]string{"version": version.Number(), "commit": commit, "date": date, "engine": engine.Version})
			}
			fmt.Fprintf(s.out, "hogsend-db %s\nengine track %s\n", version.String(), engine.Version)
			return nil
		},
	}
}

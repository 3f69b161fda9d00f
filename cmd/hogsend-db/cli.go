package main

// The urfave/cli/v2 adapter: everything that touches the library's
// package-level state, and the gaps in its error hooks, lives here.

import (
	"context"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"
)

func init() {
	cli.HelpFlag = &cli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "show help"}
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version"}
}

// parseMu serializes urfave/cli's setup and parsing across runs in one
// process (see runApp).
var parseMu sync.Mutex

// runApp builds the app and runs it on args. urfave/cli v2 writes to its
// package variables (cli.HelpFlag's defaults, the shared help command)
// while it sets up and parses. One process runs one app, but the tests
// call run concurrently: parsing is serialized, and the lock is released as
// a command's action starts, so the commands themselves still run side by
// side.
func runApp(ctx context.Context, newApp func() *cli.App, args []string) error {
	parseMu.Lock()
	var release sync.Once
	unlock := func() { release.Do(parseMu.Unlock) }
	defer unlock()
	app := newApp()
	for _, c := range app.Commands {
		action := c.Action
		c.Action = func(c *cli.Context) error { unlock(); return action(c) }
	}
	args, err := reorderArgs(app, args)
	if err != nil {
		return err
	}
	return app.RunContext(ctx, args)
}

// isUsage recognises urfave/cli's usage errors that bypass OnUsageError,
// which has no hook for them: a required flag missing, a bad value of a
// flag's environment variable (parsed while the flags are set up), an
// unknown help topic. urfave/cli v2 gives them no type, so its message text
// is matched here, and only here.
func isUsage(err error) bool {
	msg := err.Error()
	for _, s := range []string{"flag provided but not defined", "flag needs an argument", "invalid value", "Required flag", "No help topic", "invalid boolean"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// reorderArgs returns args with each command flag moved in front of the
// command's arguments, or a usage error for a command flag placed before
// the command. args[0] is the program name.
func reorderArgs(app *cli.App, args []string) ([]string, error) {
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-" && args[i] != "--" {
		i++
	}
	if i >= len(args) {
		return args, nil
	}
	cmd := findCommand(app, args[i])
	if cmd == nil {
		return args, nil
	}
	for _, g := range args[1:i] {
		if !isGlobalFlag(g) {
			return nil, usageError("flags go after the command: hogsend-db %s %s", cmd.Name, g)
		}
	}
	// A command with subcommands (dev start|stop|status): the flags are the
	// subcommand's, so reorder after it.
	for i+1 < len(args) {
		sub := findSubcommand(cmd, args[i+1])
		if sub == nil {
			break
		}
		cmd, i = sub, i+1
	}
	out := append([]string{}, args[:i+1]...)
	var positional []string
	rest := args[i+1:]
	dashdash := false
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		switch {
		case a == "--":
			dashdash = true
			positional = append(positional, rest[j+1:]...)
			j = len(rest)
		case strings.HasPrefix(a, "-") && a != "-":
			out = append(out, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if f := findFlag(cmd, name); f != nil && !hasValue && takesValue(f) && j+1 < len(rest) {
				j++
				out = append(out, rest[j])
			}
		default:
			positional = append(positional, a)
		}
	}
	if dashdash {
		out = append(out, "--")
	} else if len(positional) > 0 && strings.HasPrefix(positional[0], "-") {
		out = append(out, "--")
	}
	return append(out, positional...), nil
}

func isGlobalFlag(a string) bool {
	switch strings.TrimLeft(a, "-") {
	case "help", "h", "version", "v":
		return true
	}
	return false
}

func findCommand(app *cli.App, name string) *cli.Command {
	for _, c := range app.Commands {
		if c.Name == name {
			return c
		}
		for _, a := range c.Aliases {
			if a == name {
				return c
			}
		}
	}
	return nil
}

func findFlag(cmd *cli.Command, name string) cli.Flag {
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// takesValue reports whether a flag reads the next argument as its value
// (every flag but a boolean one).
func takesValue(f cli.Flag) bool {
	_, isBool := f.(*cli.BoolFlag)
	return !isBool
}

func findSubcommand(cmd *cli.Command, name string) *cli.Command {
	for _, c := range cmd.Subcommands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

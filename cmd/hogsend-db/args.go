package main

import (
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// Argument rules (docs/cli.md):
//   - flags go after the command; a flag before it is a usage error that
//     shows the right spelling;
//   - a command's flags may come before or after its arguments (urfave/cli
//     v2 stops parsing flags at the first argument, so they are moved in
//     front of the arguments first); "--" ends the flags;
//   - a command that takes no arguments refuses any, before it connects;
//   - a duration flag must be positive, --track one of its names.

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

// checkArgs refuses arguments a command does not take and flag values that
// mean nothing, before the command does anything.
func checkArgs(cmd *cli.Command, c *cli.Context) error {
	if cmd.ArgsUsage == "" && c.Args().Present() {
		return usageError("%s takes no arguments (got %q); flags start with --", cmd.Name, c.Args().First())
	}
	for _, f := range cmd.Flags {
		name := f.Names()[0]
		switch f.(type) {
		case *cli.DurationFlag:
			if d := c.Duration(name); d <= 0 {
				return usageError("--%s %s: want a positive duration, e.g. 30s or 5m", name, durationText(d))
			}
		}
		if name == "track" {
			switch t := c.String("track"); t {
			case "all", "engine", "client":
			default:
				return usageError("--track %q: want engine, client or all", t)
			}
		}
	}
	return nil
}

func durationText(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}

func findSubcommand(cmd *cli.Command, name string) *cli.Command {
	for _, c := range cmd.Subcommands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

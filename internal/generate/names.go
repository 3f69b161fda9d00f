package generate

import (
	"crypto/rand"
	"math/big"
)

// Word lists for readable random migration names (adjective_hero), in the
// spirit of drizzle-kit's. Our own lists.
var (
	adjectives = []string{
		"amber", "ancient", "bold", "brave", "bright", "brisk", "calm", "clever", "cosmic", "crimson",
		"curious", "daring", "dizzy", "eager", "electric", "elegant", "fancy", "fearless", "fierce", "gentle",
		"giant", "golden", "happy", "hidden", "humble", "icy", "jolly", "keen", "lively", "lucky",
		"mighty", "misty", "nimble", "noble", "odd", "proud", "quick", "quiet", "rapid", "rare",
		"silent", "silver", "smooth", "swift", "tidy", "twin", "vivid", "wandering", "wild", "witty",
	}
	heroes = []string{
		"abomination", "angel", "banshee", "beast", "black_cat", "blade", "cable", "captain_marvel", "colossus", "cyclops",
		"daredevil", "dazzler", "domino", "elektra", "falcon", "firestar", "gambit", "groot", "havok", "hulk",
		"iceman", "jubilee", "karma", "longshot", "magik", "mantis", "medusa", "mystique", "nightcrawler", "nova",
		"phoenix", "polaris", "psylocke", "quicksilver", "rogue", "sabretooth", "sentry", "shadowcat", "silk", "spiral",
		"storm", "sunfire", "thor", "thunderbird", "vision", "warlock", "wasp", "wolverine", "x_man", "zodiac",
	}
)

func pick(words []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
	if err != nil {
		return words[0]
	}
	return words[n.Int64()]
}

// randomName returns a readable name such as "brave_storm".
func randomName() string { return pick(adjectives) + "_" + pick(heroes) }

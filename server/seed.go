package server

import (
	"fmt"
	"math/rand/v2"
)

// The seeded users live around one city so that distance filters find matches.
const (
	seedCenterLat = 39.9042
	seedCenterLng = 116.4074
	seedSpreadDeg = 0.5 // about ±55 km north-south
	seedRNGStream = 0x5eed
)

var (
	seedFirstNames = []string{"Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie",
		"Avery", "Quinn", "Mei", "Li", "Wei", "Yan", "Hana", "Omar", "Lena", "Ivan", "Sofia", "Noah",
		"Emma", "Liam", "Maya", "Arjun", "Zoe", "Kai", "Nora", "Eli", "Ada", "Leo"}
	seedBios = []string{"", "Coffee first.", "Hiking on weekends.", "Looking for a climbing partner.",
		"Cat person.", "Dog person.", "Learning to cook.", "Runs on tea and jazz.", "Bookworm.",
		"Ask me about my plants."}
)

// SeedPhone is the phone number of seeded user uid, so scenarios can log in as a known user.
func SeedPhone(uid int64) string { return fmt.Sprintf("+1555%07d", uid) }

// SeedProfile returns the deterministic profile of seeded user uid: the same uid always gets
// the same profile, on every machine and every start.
func SeedProfile(uid int64) Profile {
	r := rand.New(rand.NewPCG(uint64(uid), seedRNGStream))
	age := MinAge + r.IntN(43) // 18..60
	minAge := max(MinAge, age-5-r.IntN(6))
	maxAge := min(MaxAge, age+5+r.IntN(11))
	prefs := []string{"female", "male", "nonbinary", anyGender, anyGender}
	return Profile{
		UID:           uid,
		Name:          fmt.Sprintf("%s %d", seedFirstNames[r.IntN(len(seedFirstNames))], uid),
		Gender:        Genders[r.IntN(len(Genders))],
		Age:           age,
		Lat:           seedCenterLat + (r.Float64()*2-1)*seedSpreadDeg,
		Lng:           seedCenterLng + (r.Float64()*2-1)*seedSpreadDeg,
		Bio:           seedBios[r.IntN(len(seedBios))],
		PrefGender:    prefs[r.IntN(len(prefs))],
		MinAge:        minAge,
		MaxAge:        maxAge,
		MaxDistanceKM: 10 + r.IntN(91), // 10..100
	}
}

// newUserProfile is the profile of a user created by their first login, before they edit it.
func newUserProfile(uid int64) Profile {
	return Profile{
		UID: uid, Name: fmt.Sprintf("User %d", uid), Gender: "nonbinary", Age: MinAge,
		Lat: seedCenterLat, Lng: seedCenterLng, PrefGender: anyGender,
		MinAge: MinAge, MaxAge: MaxAge, MaxDistanceKM: MaxDistanceKM,
	}
}

package server

import (
	"errors"
	"fmt"
	"math"
	"unicode"
	"unicode/utf8"
)

// Genders are the values a profile's gender may take; a preference may also be "any".
var Genders = []string{"female", "male", "nonbinary"}

// Limits of the editable profile fields, checked like a web form.
const (
	MinAge         = 18
	MaxAge         = 100
	MinDistanceKM  = 1
	MaxDistanceKM  = 100
	MaxNameRunes   = 50
	MaxBioRunes    = 500
	anyGender      = "any"
	earthRadiusKM  = 6371.0
	kmPerDegreeLat = 111.195
)

// Profile is a Swiper user as the API returns it.
type Profile struct {
	UID           int64   `json:"uid"`
	Name          string  `json:"name"`
	Gender        string  `json:"gender"`
	Age           int     `json:"age"`
	Lat           float64 `json:"lat"`
	Lng           float64 `json:"lng"`
	Bio           string  `json:"bio"`
	PrefGender    string  `json:"pref_gender"`
	MinAge        int     `json:"min_age"`
	MaxAge        int     `json:"max_age"`
	MaxDistanceKM int     `json:"max_distance_km"`
}

// ProfilePatch is the body of PUT /api/user/profile: any subset of the editable fields.
// UID is present only so that a client trying to change it gets a clear error.
type ProfilePatch struct {
	UID           *int64   `json:"uid"`
	Name          *string  `json:"name"`
	Gender        *string  `json:"gender"`
	Age           *int     `json:"age"`
	Lat           *float64 `json:"lat"`
	Lng           *float64 `json:"lng"`
	Bio           *string  `json:"bio"`
	PrefGender    *string  `json:"pref_gender"`
	MinAge        *int     `json:"min_age"`
	MaxAge        *int     `json:"max_age"`
	MaxDistanceKM *int     `json:"max_distance_km"`
}

func (ProfilePatch) shape() string {
	return "a JSON object with any of the profile fields name, gender, age, lat, lng, bio, pref_gender, min_age, max_age, max_distance_km"
}

// FieldError names the profile field that failed validation.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Apply returns p with the patch's fields set, or a *FieldError naming the first bad field.
func (pp ProfilePatch) Apply(p Profile) (Profile, error) {
	if pp.UID != nil {
		return p, &FieldError{"uid", "is not editable"}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	seti := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Name, pp.Name)
	set(&p.Gender, pp.Gender)
	set(&p.Bio, pp.Bio)
	set(&p.PrefGender, pp.PrefGender)
	seti(&p.Age, pp.Age)
	seti(&p.MinAge, pp.MinAge)
	seti(&p.MaxAge, pp.MaxAge)
	seti(&p.MaxDistanceKM, pp.MaxDistanceKM)
	if pp.Lat != nil {
		p.Lat = *pp.Lat
	}
	if pp.Lng != nil {
		p.Lng = *pp.Lng
	}
	return p, p.Validate()
}

// Validate checks every editable field and returns a *FieldError naming the first bad one.
func (p Profile) Validate() error {
	if err := validateName(p.Name); err != nil {
		return err
	}
	switch {
	case !validGender(p.Gender, false):
		return &FieldError{"gender", "must be one of female, male, nonbinary"}
	case p.Age < MinAge || p.Age > MaxAge:
		return &FieldError{"age", fmt.Sprintf("must be between %d and %d", MinAge, MaxAge)}
	case math.IsNaN(p.Lat) || p.Lat < -90 || p.Lat > 90:
		return &FieldError{"lat", "must be between -90 and 90"}
	case math.IsNaN(p.Lng) || p.Lng < -180 || p.Lng > 180:
		return &FieldError{"lng", "must be between -180 and 180"}
	case utf8.RuneCountInString(p.Bio) > MaxBioRunes || !utf8.ValidString(p.Bio) || hasControl(p.Bio, true):
		return &FieldError{"bio", fmt.Sprintf("must be valid text of at most %d characters", MaxBioRunes)}
	case !validGender(p.PrefGender, true):
		return &FieldError{"pref_gender", "must be one of female, male, nonbinary, any"}
	case p.MinAge < MinAge || p.MinAge > MaxAge:
		return &FieldError{"min_age", fmt.Sprintf("must be between %d and %d", MinAge, MaxAge)}
	case p.MaxAge < MinAge || p.MaxAge > MaxAge:
		return &FieldError{"max_age", fmt.Sprintf("must be between %d and %d", MinAge, MaxAge)}
	case p.MinAge > p.MaxAge:
		return &FieldError{"min_age", "must not exceed max_age"}
	case p.MaxDistanceKM < MinDistanceKM || p.MaxDistanceKM > MaxDistanceKM:
		return &FieldError{"max_distance_km", fmt.Sprintf("must be between %d and %d", MinDistanceKM, MaxDistanceKM)}
	}
	return nil
}

var errBadName = &FieldError{"name", fmt.Sprintf("must be 1 to %d letters, digits, spaces, apostrophes, hyphens or periods", MaxNameRunes)}

// validateName accepts what a sign-up form would: letters and digits of any script, spaces,
// apostrophes, hyphens and periods ("Anne-Marie O'Neil Jr."), nothing else.
func validateName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxNameRunes || !utf8.ValidString(name) {
		return errBadName
	}
	for _, r := range name {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) ||
			r == ' ' || r == '\'' || r == '-' || r == '.'
		if !ok {
			return errBadName
		}
	}
	return nil
}

func hasControl(s string, allowNewline bool) bool {
	for _, r := range s {
		if unicode.IsControl(r) && !(allowNewline && (r == '\n' || r == '\t')) {
			return true
		}
	}
	return false
}

func validGender(g string, allowAny bool) bool {
	if allowAny && g == anyGender {
		return true
	}
	for _, v := range Genders {
		if g == v {
			return true
		}
	}
	return false
}

// matches reports whether candidate c passes the filters of profile p (gender, age, distance).
func (p Profile) matches(c Profile) bool {
	if p.PrefGender != anyGender && c.Gender != p.PrefGender {
		return false
	}
	if c.Age < p.MinAge || c.Age > p.MaxAge {
		return false
	}
	return distanceKM(p.Lat, p.Lng, c.Lat, c.Lng) <= float64(p.MaxDistanceKM)
}

// distanceKM is the great-circle distance by the haversine formula on a spherical Earth of
// mean radius 6371 km.
func distanceKM(lat1, lng1, lat2, lng2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusKM * math.Asin(math.Min(1, math.Sqrt(a)))
}

// boundingBox returns lat/lng bounds that contain every point within km of (lat, lng), used to
// narrow the candidate query before the exact distance check.
func boundingBox(lat, lng float64, km float64) (minLat, maxLat, minLng, maxLng float64) {
	dLat := km / kmPerDegreeLat
	cos := math.Cos(lat * math.Pi / 180)
	dLng := 180.0
	if cos > 0.01 {
		dLng = math.Min(180, km/(kmPerDegreeLat*cos))
	}
	return lat - dLat, lat + dLat, lng - dLng, lng + dLng
}

// errNotFound is returned by stores and caches for an absent user.
var errNotFound = errors.New("server: not found")

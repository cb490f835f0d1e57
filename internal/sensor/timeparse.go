package sensor

import "time"

// parseTime parses an RFC 3339 date-time with a zone ("Z" or ±hh:mm) and
// up to nine fractional digits of a second, and returns it in UTC. On
// failure it returns a message for the problem.
func parseTime(b []byte) (time.Time, string) {
	bad := func(why string) (time.Time, string) {
		return time.Time{}, quote(string(b)) + " is not an RFC 3339 time with a zone, such as 2026-11-23T01:02:03.456Z: " + why
	}
	if len(b) < len("2006-01-02T15:04:05") || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't') || b[13] != ':' || b[16] != ':' {
		return bad("wrong layout")
	}
	year, ok1 := num(b[0:4])
	month, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hour, ok4 := num(b[11:13])
	minute, ok5 := num(b[14:16])
	sec, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return bad("want digits")
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return bad("no such date")
	}
	if hour > 23 || minute > 59 || sec > 59 {
		return bad("no such time of day")
	}
	i, nsec := 19, 0
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if i-start < 9 {
				nsec = nsec*10 + int(b[i]-'0')
			}
			i++
		}
		switch n := i - start; {
		case n == 0:
			return bad("want digits after the decimal point")
		case n > 9:
			return bad("more than 9 fractional digits")
		default:
			for range 9 - n {
				nsec *= 10
			}
		}
	}
	offset, why := parseZone(b[i:])
	if why != "" {
		return bad(why)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), ""
}

// parseZone parses "Z" or ±hh:mm and returns the offset east of UTC in
// seconds.
func parseZone(z []byte) (int, string) {
	if len(z) == 1 && (z[0] == 'Z' || z[0] == 'z') {
		return 0, ""
	}
	if len(z) != 6 || (z[0] != '+' && z[0] != '-') || z[3] != ':' {
		if len(z) == 0 {
			return 0, "no zone: want Z or ±hh:mm"
		}
		return 0, "want the zone as Z or ±hh:mm"
	}
	h, ok1 := num(z[1:3])
	m, ok2 := num(z[4:6])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, "want the zone as Z or ±hh:mm"
	}
	off := h*3600 + m*60
	if z[0] == '-' {
		off = -off
	}
	return off, ""
}

// num parses decimal digits.
func num(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

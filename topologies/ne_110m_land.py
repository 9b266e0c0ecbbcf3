# Decode world-atlas land-110m.json (TopoJSON, Natural Earth 1:110m land,
# public domain) into one ring per line: "lon,lat lon,lat ..." at 0.1 degree.
# Usage: npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz &&
#   python3 topologies/ne_110m_land.py package/land-110m.json > topologies/ne_110m_land.txt
import json, sys
t = json.load(open(sys.argv[1]))
sx, sy = t["transform"]["scale"]; tx, ty = t["transform"]["translate"]
arcs = []
for arc in t["arcs"]:
    x = y = 0; pts = []
    for dx, dy in arc:
        x += dx; y += dy
        pts.append((x * sx + tx, y * sy + ty))
    arcs.append(pts)
def arc(i):
    return arcs[i] if i >= 0 else list(reversed(arcs[~i]))
out = []
for g in t["objects"]["land"]["geometries"]:
    polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
    for poly in polys:
        for ring in poly:
            pts = []
            for i in ring:
                a = arc(i)
                pts.extend(a if not pts else a[1:])
            # Rings that cross the antimeridian jump by 360 degrees: unwrap
            # them, and emit a copy shifted by 360 so both halves show on a
            # -180..180 map (the renderer clamps to the map's edges).
            unwrapped = []
            for lon, lat in pts:
                if unwrapped:
                    prev = unwrapped[-1][0]
                    while lon - prev > 180: lon -= 360
                    while prev - lon > 180: lon += 360
                unwrapped.append((lon, lat))
            lo = min(p[0] for p in unwrapped); hi = max(p[0] for p in unwrapped)
            shifts = [0] + ([360] if lo < -180 else []) + ([-360] if hi > 180 else [])
            for sh in shifts:
                r = []
                for lon, lat in unwrapped:
                    p = (round(lon + sh, 1), round(lat, 1))
                    if not r or r[-1] != p:
                        r.append(p)
                if len(r) >= 4:
                    out.append(" ".join(f"{lo:g},{la:g}" for lo, la in r))
print("# Natural Earth 1:110m land outlines (public domain, naturalearthdata.com),")
print("# via the world-atlas 2.0.2 npm package (land-110m.json), rounded to 0.1 degree.")
print("# One closed ring per line: lon,lat pairs separated by spaces; rings crossing the")
print("# antimeridian are unwrapped (|lon| may exceed 180) and repeated shifted by 360.")
print("# Made by topologies/ne_110m_land.py.")
print("\n".join(out))

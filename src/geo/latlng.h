// Positions on the WGS84 ellipsoid.
//
//   LatLng p{36.95, 41.62};            // degrees; GeoJSON order is [lon, lat]!
//   Vec3 e = ToEcef(p);                // metres, on the ellipsoid surface
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cmath>
#include <string>

namespace deconflict::geo {

struct LatLng {
  double lat_deg = 0;  // [-90, 90]
  double lon_deg = 0;  // [-180, 180]
  bool operator==(const LatLng&) const = default;
};

struct Vec2 {
  double x = 0, y = 0;
  Vec2 operator+(Vec2 o) const { return {x + o.x, y + o.y}; }
  Vec2 operator-(Vec2 o) const { return {x - o.x, y - o.y}; }
  Vec2 operator*(double k) const { return {x * k, y * k}; }
  double Dot(Vec2 o) const { return x * o.x + y * o.y; }
  double Cross(Vec2 o) const { return x * o.y - y * o.x; }
  double Norm2() const { return x * x + y * y; }
  double Norm() const { return std::sqrt(Norm2()); }
};

struct Vec3 {
  double x = 0, y = 0, z = 0;
  Vec3 operator+(Vec3 o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(Vec3 o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(double k) const { return {x * k, y * k, z * k}; }
  double Dot(Vec3 o) const { return x * o.x + y * o.y + z * o.z; }
  Vec3 Cross(Vec3 o) const { return {y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x}; }
  double Norm2() const { return x * x + y * y + z * z; }
  double Norm() const { return std::sqrt(Norm2()); }
  Vec3 Normalized() const { return *this * (1.0 / Norm()); }
};

// Earth-centred, earth-fixed coordinates (metres) of a point on the WGS84 ellipsoid surface
// (height 0). Altitudes are handled separately: horizontal separation is measured on the surface.
Vec3 ToEcef(LatLng p);

// The ellipsoid's outward unit normal at p (geodetic "up").
Vec3 UpVector(LatLng p);
// The same from the ECEF coordinates of a point on the surface (no trigonometry).
Vec3 UpVectorAt(Vec3 surface_point);

// The geodetic position of an ECEF point (its projection onto the ellipsoid along the normal).
LatLng FromEcef(Vec3 p);

// "41.62 36.95" style, lon first as in GeoJSON, 6 decimals.
std::string ToString(LatLng p);

}  // namespace deconflict::geo

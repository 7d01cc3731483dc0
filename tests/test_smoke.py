from conftest import client_for


def test_officer_sees_own_agency_only(personas, province):
    client = client_for(personas.officer_a)
    assert client.get(f"/agencies/{province.dept_a.code}/").status_code == 200
    assert client.get(f"/agencies/{province.dept_b.code}/").status_code == 404

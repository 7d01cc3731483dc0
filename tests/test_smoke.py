from conftest import client_for


def test_officer_sees_own_agency_only(personas, province):
    client = client_for(personas.officer_a)
    assert client.get(f"/agencies/{province.dept_a.code}/").status_code == 200
    assert client.get(f"/agencies/{province.dept_b.code}/").status_code == 404


def test_block_page_names_the_block_and_its_visible_members(personas, province):
    client = client_for(personas.district_coordinator)
    page = client.get(f"/agencies/blocks/{province.block_communes.pk}/").content.decode()
    assert f"<title>{province.block_communes.name} · CCHC</title>" in page
    assert f'<h1 class="h3">{province.block_communes.name}' in page
    assert province.commune_1.name in page and province.commune_2.name in page
